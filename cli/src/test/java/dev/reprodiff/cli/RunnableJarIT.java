package dev.reprodiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged CLI as a user runs it: {@code java -jar reprodiff-cli-VERSION.jar}, its libraries in lib/. */
class RunnableJarIT {

    @TempDir
    Path dir;

    @Test
    void versionPrintsTheJarsVersionDjlsAndLibtorchs() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Dai.djl.offline=true", "-jar", System.getProperty("reprodiff.cli.jar"), "--version"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();

        assertThat(process.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readAllLines(out)).containsExactly("reprodiff " + System.getProperty("reprodiff.version"),
                "DJL 0.36.0 (PyTorch engine)", "libtorch 2.7.1");
        assertThat(Files.readString(err)).doesNotContain("WARNING: Using incubator modules");
    }
}
