package dev.reprodiff.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.LibUtils;

import java.util.Optional;

/**
 * The one way reprodiff reaches DJL's PyTorch engine. Before DJL first loads libtorch, it checks that libtorch and
 * its JNI binding are there to load, so that a build without the native jars fails with an error naming the
 * artifacts to add, instead of DJL downloading libtorch at run time (which DJL does when neither is on the
 * classpath).
 *
 * <p>libtorch is the application's choice, as DJL recommends: reprodiff's artifacts never bring it. Add the CPU
 * build for your platform, {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1} with classifier {@code linux-x86_64},
 * {@code linux-aarch64}, {@code osx-aarch64} or {@code win-x86_64}, plus {@code ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0};
 * or set {@code PYTORCH_LIBRARY_PATH} to the lib folder of a libtorch 2.7.1 install (the way to CUDA builds). The
 * check accepts a libtorch that DJL's cache folder already holds, and {@code -D}{@value #ALLOW_DOWNLOAD_PROPERTY}
 * {@code =true} turns it off.
 */
public final class PyTorchEngine {

    /** DJL's name of the engine: {@value}. */
    public static final String NAME = "PyTorch";

    /** The system property that lets DJL download libtorch when no native jar is there: {@value}. */
    public static final String ALLOW_DOWNLOAD_PROPERTY = "reprodiff.libtorch.allowDownload";

    private static volatile boolean checked;

    private PyTorchEngine() {
    }

    /**
     * DJL's PyTorch engine, loading libtorch on first use.
     *
     * @throws EngineException naming the artifacts to add when libtorch or its JNI binding is missing
     */
    public static Engine get() {
        if (!checked) {
            check();
        }
        return Engine.getEngine(NAME);
    }

    /** A new base manager on the engine's default device (see {@link #get()}). */
    public static NDManager newManager() {
        return get().newBaseManager();
    }

    /** A new base manager on {@code device} (see {@link #get()}). */
    public static NDManager newManager(Device device) {
        return get().newBaseManager(device);
    }

    private static synchronized void check() {
        if (checked) {
            return;
        }
        if (!loaded() && !Boolean.getBoolean(ALLOW_DOWNLOAD_PROPERTY)) {
            Optional<String> missing = NativeLibraries.detect().missing();
            if (missing.isPresent()) {
                throw new EngineException(missing.get());
            }
        }
        checked = true;
    }

    /** Whether DJL has loaded libtorch already in this JVM (an application's own setup then stands). */
    private static boolean loaded() {
        try {
            return LibUtils.getLibtorchPath() != null;
        } catch (RuntimeException notLoaded) {
            return false;
        }
    }
}
