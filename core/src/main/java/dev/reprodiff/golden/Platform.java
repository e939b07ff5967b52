package dev.reprodiff.golden;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.reprodiff.determinism.Determinism;
import dev.reprodiff.engine.PyTorchEngine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a tensor was computed: the fingerprint that goldens record and tolerances compare.
 *
 * @param cpuCapability the vector instruction set libtorch's CPU kernels dispatch to ({@code avx512}, {@code avx2},
 *        {@code default}): virtual machines often report one model name ("AMD EPYC") for CPUs of several
 *        generations whose kernels, and so whose float32 rounding, differ
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Platform(String os, String arch, String cpuModel, String cpuCapability, String deviceType,
                       String deviceName, String computeCapability, String cudaVersion, String libtorchVersion, String djlVersion,
                       int threads, Map<String, Object> determinism) {

    private static final String CPU_MODEL = readCpuModel();
    private static final String CPU_CAPABILITY = cpuCapability(System.getenv("ATEN_CPU_CAPABILITY"),
            readCpuFlags());

    /** This JVM's platform for a tensor on {@code deviceType} ({@code cpu} or {@code gpu}). */
    public static Platform current(String deviceType, int deviceId) {
        Engine engine = PyTorchEngine.get();
        Map<String, Object> determinism;
        try {
            determinism = new TreeMap<>(Determinism.current().asMap());
        } catch (RuntimeException | LinkageError e) {
            // A libtorch whose at::Context symbols differ: the fingerprint goes on without the flags.
            determinism = Map.of("unavailable", e.toString());
        }
        boolean gpu = "gpu".equals(deviceType);
        return new Platform(System.getProperty("os.name"), System.getProperty("os.arch"), CPU_MODEL,
                CPU_CAPABILITY, deviceType,
                gpu ? gpuName(deviceId) : CPU_MODEL, gpu ? CudaUtils.getComputeCapability(deviceId) : null,
                gpu ? CudaUtils.getCudaVersionString() : null, engine.getVersion(), Engine.getDjlVersion(),
                JniUtils.getNumThreads(), determinism);
    }

    /** Same hardware and software, so that a {@code @Deterministic} test must reproduce the golden bit for bit. */
    public boolean sameAs(Platform other) {
        return Objects.equals(os, other.os) && Objects.equals(arch, other.arch)
                && Objects.equals(cpuModel, other.cpuModel) && sameCpuCapability(other)
                && Objects.equals(deviceType, other.deviceType)
                && Objects.equals(deviceName, other.deviceName)
                && Objects.equals(libtorchVersion, other.libtorchVersion)
                && Objects.equals(djlVersion, other.djlVersion) && threads == other.threads;
    }

    /**
     * Whether both ran libtorch's kernels for the same instruction set; a fingerprint recorded before this field
     * existed is unknown, and never the same.
     */
    public boolean sameCpuCapability(Platform other) {
        return cpuCapability != null && cpuCapability.equals(other.cpuCapability);
    }

    /**
     * The instruction set libtorch's dispatcher picks on x86-64: {@code ATEN_CPU_CAPABILITY} when set (it can only
     * lower the choice), else AVX-512 when the CPU has the subsets PyTorch requires (F, BW, VL, DQ), else AVX2 with
     * FMA, else {@code default}. Elsewhere the architecture's own kernels run: {@code default}.
     */
    static String cpuCapability(String override, Set<String> flags) {
        String detected = flags.containsAll(Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq"))
                ? "avx512" : flags.containsAll(Set.of("avx2", "fma")) ? "avx2" : "default";
        if (override == null || override.isBlank()) {
            return detected;
        }
        List<String> ladder = List.of("default", "avx2", "avx512");
        String asked = override.strip().toLowerCase(Locale.ROOT);
        return ladder.contains(asked) && ladder.indexOf(asked) < ladder.indexOf(detected) ? asked : detected;
    }

    /**
     * The variant key of this exact device: {@code cpu-amd-epyc-avx512}, {@code gpu-nvidia-h200}. A CPU's key ends
     * with its kernels' instruction set, because one model name ("AMD EPYC") covers CPUs whose float32 results
     * differ: an AVX2 and an AVX-512 machine each get their own exact golden.
     */
    @JsonIgnore
    public String deviceKey() {
        String slug = String.valueOf(deviceName).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-|-$", "");
        String key = deviceType + "-" + (slug.length() > 48 ? slug.substring(0, 48) : slug);
        return "cpu".equals(deviceType) && cpuCapability != null ? key + "-" + cpuCapability : key;
    }

    /** A report column's heading: {@code cpu AMD EPYC (avx512)}, {@code gpu NVIDIA H200}. */
    @JsonIgnore
    public String label() {
        return deviceType + " " + deviceName + ("cpu".equals(deviceType) && cpuCapability != null
                ? " (" + cpuCapability + ")" : "");
    }

    /** One line: {@code cpu "Model" (avx2, Linux amd64, libtorch 2.7.1, DJL 0.36.0, 2 threads)}. */
    public String describe() {
        String gpu = "gpu".equals(deviceType) ? "compute capability " + computeCapability + ", CUDA "
                + cudaVersion + ", CPU \"" + cpuModel + "\", " : "";
        String kernels = cpuCapability == null ? "" : cpuCapability + ", ";
        return deviceType + " \"" + deviceName + "\" (" + gpu + kernels + os + " " + arch + ", libtorch "
                + libtorchVersion
                + ", DJL " + djlVersion + ", " + threads + (threads == 1 ? " thread)" : " threads)");
    }

    private static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: the architecture is the best we know.
        }
        return System.getProperty("os.arch");
    }

    private static Set<String> readCpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).strip().split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: no flags, and so the default kernels.
        }
        return Set.of();
    }

    /** The GPU's model as the NVIDIA driver names it, without needing nvidia-smi. */
    private static String gpuName(int deviceId) {
        try (DirectoryStream<Path> gpus = Files.newDirectoryStream(Path.of("/proc/driver/nvidia/gpus"))) {
            int index = 0;
            for (Path gpu : gpus) {
                if (index++ == deviceId) {
                    for (String line : Files.readAllLines(gpu.resolve("information"))) {
                        if (line.startsWith("Model:")) {
                            return line.substring("Model:".length()).strip();
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // No driver information: fall back on the compute capability.
        }
        return "cuda:" + deviceId + " sm_" + CudaUtils.getComputeCapability(deviceId);
    }
}
