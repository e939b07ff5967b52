package dev.reprodiff.engine;

import dev.reprodiff.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A build without DJL's native jars gets an error that names the artifacts to add, and DJL never starts a download:
 * each case runs a child JVM on this module's test classpath, less the jars, with an empty DJL cache.
 */
class MissingLibtorchTests {

    private static final String CLASSIFIER = "linux-x86_64";

    @TempDir
    Path dir;

    @Test
    void withoutTheNativeJarTheErrorNamesItAndNothingIsDownloaded() throws Exception {
        ChildJvm.Result result = child().without("pytorch-native-cpu").run(dir.resolve("log"), EngineProbe.class);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(3);
        assertThat(result.output()).contains("refused: DJL's PyTorch engine cannot start: libtorch 2.7.1 for "
                + CLASSIFIER + " is not on the classpath, and DJL would download it at run time, which reprodiff"
                + " does not let it do. To fix it, add ai.djl.pytorch:pytorch-native-cpu:2.7.1:" + CLASSIFIER
                + " to your build (runtime or test scope), or set PYTORCH_LIBRARY_PATH to the lib folder of a"
                + " libtorch 2.7.1 install (the way to CUDA builds).");
        assertThat(cacheFiles()).isZero();
    }

    @Test
    void withoutEitherJarTheErrorNamesBoth() throws Exception {
        ChildJvm.Result result = child().without("pytorch-native-cpu").without("pytorch-jni")
                .run(dir.resolve("log"), EngineProbe.class);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(3);
        assertThat(result.output()).contains("refused: DJL's PyTorch engine cannot start: neither libtorch 2.7.1 for "
                + CLASSIFIER + " nor the JNI binding of libtorch 2.7.1 for DJL 0.36.0 is on the classpath, and DJL"
                + " would download it at run time, which reprodiff does not let it do. To fix it, add"
                + " ai.djl.pytorch:pytorch-native-cpu:2.7.1:" + CLASSIFIER + " and ai.djl.pytorch:pytorch-jni:"
                + "2.7.1-0.36.0 to your build (runtime or test scope), or set PYTORCH_LIBRARY_PATH to the lib folder"
                + " of a libtorch 2.7.1 install (the way to CUDA builds).");
        assertThat(cacheFiles()).isZero();
    }

    @Test
    void withoutTheJniJarTheErrorNamesIt() throws Exception {
        ChildJvm.Result result = child().without("pytorch-jni").run(dir.resolve("log"), EngineProbe.class);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(3);
        assertThat(result.output()).contains("refused: DJL's PyTorch engine cannot start: the JNI binding of"
                + " libtorch 2.7.1 for DJL 0.36.0 is not on the classpath, and DJL would download it at run time,"
                + " which reprodiff does not let it do. To fix it, add ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0 to"
                + " your build (runtime or test scope).");
    }

    @Test
    void withBothJarsTheEngineStarts() throws Exception {
        // DJL's own cache this time: it extracts the 450 MB libtorch there once per machine, not per test run.
        ChildJvm.Result result = new ChildJvm().option("-Dai.djl.offline=true")
                .run(dir.resolve("log"), EngineProbe.class);

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("engine started: libtorch 2.7.1");
    }

    @Test
    void aLibraryPathWithoutLibtorchIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty-lib"));
        ChildJvm.Result result = child().without("pytorch-native-cpu")
                .environment("PYTORCH_LIBRARY_PATH", empty.toString()).run(dir.resolve("log"), EngineProbe.class);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(3);
        assertThat(result.output()).contains("install (the way to CUDA builds); PYTORCH_LIBRARY_PATH is \""
                + empty + "\", which holds no libtorch.so.");
    }

    /** DJL's caches point into this test's folder, so that nothing the machine cached before counts. */
    private ChildJvm child() {
        return new ChildJvm().option("-Dai.djl.offline=true").environment("DJL_CACHE_DIR", dir.resolve("djl").toString())
                .environment("ENGINE_CACHE_DIR", dir.resolve("engines").toString());
    }

    private long cacheFiles() throws IOException {
        long count = 0;
        for (Path cache : new Path[] {dir.resolve("djl"), dir.resolve("engines")}) {
            if (Files.exists(cache)) {
                try (Stream<Path> files = Files.walk(cache)) {
                    count += files.filter(Files::isRegularFile).count();
                }
            }
        }
        return count;
    }
}
