package dev.reprodiff.determinism;

import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.reprodiff.engine.PyTorchEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Switches libtorch to full determinism and back, like diffusers' {@code enable_full_determinism()}, for code
 * outside tests ({@code @Deterministic} does the same per test).
 *
 * <pre>{@code
 * try (Determinism.Snapshot previous = Determinism.enableFullDeterminism(1)) {
 *     // deterministic algorithms (error, not warn), cuDNN deterministic, no cuDNN benchmark, no TF32,
 *     // float32 matmul precision "highest", DJL's graph-executor optimizer off, 1 intra-op thread
 * }   // the previous settings are back
 * }</pre>
 *
 * <p>DJL exposes only the thread counts, cuDNN benchmarking and the graph-executor optimizer. The other switches live
 * in libtorch's {@code at::Context}; they are called by their exported C++ symbols in the {@code libtorch_cpu.so}
 * that DJL loaded (through JNA), so {@link #current()} reads back exactly what libtorch uses.
 *
 * <p>The switches are process-wide (the thread count and the graph-executor flag are per thread in libtorch: set
 * them on the thread that runs the model). {@code CUBLAS_WORKSPACE_CONFIG} must be set in the environment before
 * CUDA starts; Java cannot set it afterwards, so {@link #requireCublasWorkspaceConfig()} only checks it.
 */
public final class Determinism {

    /** The environment variable cuBLAS reads for deterministic workspaces: {@value}. */
    public static final String CUBLAS_WORKSPACE_CONFIG = "CUBLAS_WORKSPACE_CONFIG";

    private static final String[] MATMUL_PRECISIONS = {"highest", "high", "medium"};

    private Determinism() {
    }

    /**
     * libtorch's determinism settings.
     *
     * @param deterministicAlgorithms {@code torch.use_deterministic_algorithms(True)}
     * @param warnOnly whether a non-deterministic op only warns instead of failing
     * @param deterministicCuDNN {@code torch.backends.cudnn.deterministic}
     * @param benchmarkCuDNN {@code torch.backends.cudnn.benchmark}
     * @param allowTF32CuBLAS {@code torch.backends.cuda.matmul.allow_tf32}; libtorch keeps it equal to
     *     {@code float32MatmulPrecision != "highest"}
     * @param allowTF32CuDNN {@code torch.backends.cudnn.allow_tf32}
     * @param float32MatmulPrecision {@code torch.get_float32_matmul_precision()}: highest, high or medium
     * @param graphExecutorOptimize whether TorchScript's graph executor optimizes (on this thread)
     * @param intraOpThreads {@code torch.get_num_threads()} (on this thread)
     */
    public record Settings(boolean deterministicAlgorithms, boolean warnOnly, boolean deterministicCuDNN,
                           boolean benchmarkCuDNN, boolean allowTF32CuBLAS, boolean allowTF32CuDNN,
                           String float32MatmulPrecision, boolean graphExecutorOptimize, int intraOpThreads) {

        /** Full determinism with {@code threads} intra-op threads. */
        public static Settings full(int threads) {
            return new Settings(true, false, true, false, false, false, "highest", false, threads);
        }

        /** The settings by their torch names, for manifests and reports. */
        public Map<String, Object> asMap() {
            return Map.of("deterministic_algorithms", deterministicAlgorithms, "warn_only", warnOnly,
                    "cudnn_deterministic", deterministicCuDNN, "cudnn_benchmark", benchmarkCuDNN,
                    "allow_tf32_cublas", allowTF32CuBLAS, "allow_tf32_cudnn", allowTF32CuDNN,
                    "float32_matmul_precision", float32MatmulPrecision,
                    "graph_executor_optimize", graphExecutorOptimize, "num_threads", intraOpThreads);
        }
    }

    /** The settings before {@link #enableFullDeterminism}; closing it restores them. */
    public static final class Snapshot implements AutoCloseable {

        private final Settings previous;

        private Snapshot(Settings previous) {
            this.previous = previous;
        }

        public Settings previous() {
            return previous;
        }

        /** Restores the previous settings. */
        @Override
        public void close() {
            apply(previous);
        }
    }

    /** Reads the current settings back from libtorch. */
    public static Settings current() {
        Native lib = Native.get();
        Pointer context = lib.context();
        return new Settings(lib.bool("_ZNK2at7Context23deterministicAlgorithmsEv", context),
                lib.bool("_ZNK2at7Context31deterministicAlgorithmsWarnOnlyEv", context),
                lib.bool("_ZNK2at7Context18deterministicCuDNNEv", context),
                lib.bool("_ZNK2at7Context14benchmarkCuDNNEv", context),
                lib.bool("_ZNK2at7Context15allowTF32CuBLASEv", context),
                lib.bool("_ZNK2at7Context14allowTF32CuDNNEv", context),
                MATMUL_PRECISIONS[lib.integer("_ZNK2at7Context22float32MatmulPrecisionEv", context)],
                lib.bool("_ZN5torch3jit24getGraphExecutorOptimizeEv"),
                JniUtils.getNumThreads());
    }

    /** Switches full determinism on with one intra-op thread; see {@link #enableFullDeterminism(int)}. */
    public static Snapshot enableFullDeterminism() {
        return enableFullDeterminism(1);
    }

    /**
     * Switches full determinism on, as diffusers' {@code enable_full_determinism()} does, and fixes the intra-op
     * thread count (libtorch's CPU reductions split work by thread, so the count changes the rounding).
     *
     * @param threads the intra-op thread count, at least 1
     * @return the previous settings; close it to restore them
     */
    public static Snapshot enableFullDeterminism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("The intra-op thread count must be at least 1, but was " + threads);
        }
        Snapshot snapshot = new Snapshot(current());
        apply(Settings.full(threads));
        return snapshot;
    }

    /** Applies {@code settings} to libtorch. */
    public static void apply(Settings settings) {
        Native lib = Native.get();
        Pointer context = lib.context();
        lib.call("_ZN2at7Context26setDeterministicAlgorithmsEbb", context, settings.deterministicAlgorithms(),
                settings.warnOnly());
        lib.call("_ZN2at7Context21setDeterministicCuDNNEb", context, settings.deterministicCuDNN());
        lib.call("_ZN2at7Context17setBenchmarkCuDNNEb", context, settings.benchmarkCuDNN());
        // libtorch derives allowTF32CuBLAS from the matmul precision (false is "highest", true is "high"), so the
        // precision, the finer setting, goes last.
        lib.call("_ZN2at7Context18setAllowTF32CuBLASEb", context, settings.allowTF32CuBLAS());
        lib.call("_ZN2at7Context25setFloat32MatmulPrecisionENS_22Float32MatmulPrecisionE", context,
                precisionIndex(settings.float32MatmulPrecision()));
        lib.call("_ZN2at7Context17setAllowTF32CuDNNEb", context, settings.allowTF32CuDNN());
        JniUtils.setGraphExecutorOptimize(settings.graphExecutorOptimize());
        JniUtils.setNumThreads(settings.intraOpThreads());
    }

    /**
     * Fails on a machine with CUDA unless {@value #CUBLAS_WORKSPACE_CONFIG} is {@code :16:8} or {@code :4096:8};
     * does nothing without CUDA.
     *
     * @throws IllegalStateException naming the ways to set it
     */
    public static void requireCublasWorkspaceConfig() {
        if (PyTorchEngine.get().getGpuCount() > 0) {
            requireCublasWorkspaceConfig(System.getenv(CUBLAS_WORKSPACE_CONFIG));
        }
    }

    static void requireCublasWorkspaceConfig(String value) {
        if (!":16:8".equals(value) && !":4096:8".equals(value)) {
            throw new IllegalStateException(missingCublasWorkspaceConfig(value));
        }
    }

    /** The message for a CUDA run without a deterministic cuBLAS workspace. */
    static String missingCublasWorkspaceConfig(String value) {
        return "Deterministic CUDA runs need " + CUBLAS_WORKSPACE_CONFIG + "=:4096:8 (or :16:8) in the environment"
                + " before CUDA starts, but it is " + (value == null ? "unset" : "\"" + value + "\"")
                + "; Java cannot set it for libtorch afterwards. Set it in the shell (export "
                + CUBLAS_WORKSPACE_CONFIG + "=:4096:8), or in Maven Surefire's configuration:"
                + " <environmentVariables><" + CUBLAS_WORKSPACE_CONFIG + ">:4096:8</" + CUBLAS_WORKSPACE_CONFIG
                + "></environmentVariables>, or run the tests with the reprodiff Maven plugin, which sets it";
    }

    private static int precisionIndex(String precision) {
        for (int i = 0; i < MATMUL_PRECISIONS.length; i++) {
            if (MATMUL_PRECISIONS[i].equals(precision)) {
                return i;
            }
        }
        throw new IllegalArgumentException("Unknown float32 matmul precision \"" + precision
                + "\"; expected highest, high or medium");
    }

    /** libtorch_cpu, opened through JNA once the PyTorch engine has loaded it. */
    static final class Native {

        private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";

        private static volatile Native instance;

        private final NativeLibrary library;

        private Native(NativeLibrary library) {
            this.library = library;
        }

        static Native get() {
            Native lib = instance;
            if (lib == null) {
                synchronized (Native.class) {
                    if (instance == null) {
                        PyTorchEngine.get();   // loads libtorch, and with it libtorch_cpu
                        instance = bind(libtorchCpu());
                    }
                    lib = instance;
                }
            }
            return lib;
        }

        /** Opens {@code library} and checks that it exports at::Context as GCC and Clang mangle it. */
        static Native bind(Path library) {
            NativeLibrary opened;
            try {
                opened = NativeLibrary.getInstance(library.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new UnsupportedOperationException(unbound(library + " cannot be opened (" + e.getMessage()
                        + ")"), e);
            }
            Native lib = new Native(opened);
            lib.function(GLOBAL_CONTEXT);
            return lib;
        }

        /** The libtorch_cpu this process mapped (the one DJL loaded, whatever its cache folder). */
        private static Path libtorchCpu() {
            try {
                Optional<Path> mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                        .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                        .filter(path -> path.endsWith("/libtorch_cpu.so")).findFirst().map(Path::of);
                if (mapped.isPresent()) {
                    return mapped.get();
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux: fall back on DJL's folder.
            }
            return Path.of(LibUtils.getLibtorchPath()).resolve(System.mapLibraryName("torch_cpu"));
        }

        /**
         * Why determinism is unavailable, what that takes away and what still works. The switches live only in
         * libtorch's C++ API, reached by symbol name: on Windows (MSVC names them differently) and with a libtorch
         * built otherwise they cannot be found.
         */
        static String unbound(String reason) {
            return "Determinism cannot reach libtorch's at::Context on " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ": " + reason + ". It calls libtorch's C++ functions by"
                    + " their GCC/Clang names (Linux, macOS). Unavailable here: Determinism.current, apply and"
                    + " enableFullDeterminism, and @Deterministic (deterministic algorithms, cuDNN determinism,"
                    + " TF32). Still working: the Generator, goldens and tolerances, and DJL's own switches"
                    + " (JniUtils.setNumThreads, JniUtils.setGraphExecutorOptimize)";
        }

        Function function(String symbol) {
            try {
                return library.getFunction(symbol);
            } catch (UnsatisfiedLinkError e) {
                throw new UnsupportedOperationException(unbound(library.getFile() + " exports no " + symbol), e);
            }
        }

        Pointer context() {
            return (Pointer) function(GLOBAL_CONTEXT).invoke(Pointer.class, new Object[0]);
        }

        boolean bool(String symbol, Object... args) {
            // A C++ bool comes back in the low byte; the rest of the register is unspecified.
            return (function(symbol).invokeInt(args) & 0xff) != 0;
        }

        int integer(String symbol, Object... args) {
            return function(symbol).invokeInt(args);
        }

        void call(String symbol, Object... args) {
            Object[] converted = args.clone();
            for (int i = 0; i < converted.length; i++) {
                if (converted[i] instanceof Boolean b) {
                    converted[i] = b ? 1 : 0;
                }
            }
            function(symbol).invokeVoid(converted);
        }
    }
}
