package dev.reprodiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM during {@code generate} (a CI job cancelled, a Ctrl-C) leaves no extracted default model behind. */
class GenerateSignalTests {

    @TempDir
    Path dir;

    @Test
    void sigtermDuringGenerateDeletesTheExtractedDefaultModel() throws Exception {
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        Path log = dir.resolve("child.log");
        // 1000 DDPM steps take minutes: the signal comes while it generates.
        Process child = ChildJvm.start(List.of("-Djava.io.tmpdir=" + temp), List.of("generate", "--scheduler",
                "ddpm", "--steps", "1000", "--seed", "0", "--out", dir.resolve("x.safetensors").toString()), log);
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.readString(log).contains("model (embedded default)") && System.nanoTime() < deadline) {
                assertThat(child.isAlive()).as(Files.readString(log)).isTrue();
                Thread.sleep(50);
            }
            assertThat(extractedModels(temp)).as("the model is extracted while it runs").hasSize(1);

            child.destroy();   // SIGTERM
            assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).isEqualTo(143);   // 128 + SIGTERM: killed, not finished
        assertThat(extractedModels(temp)).isEmpty();
    }

    private static List<Path> extractedModels(Path temp) throws IOException {
        try (Stream<Path> entries = Files.list(temp)) {
            return entries.filter(path -> path.getFileName().toString().startsWith("reprodiff-default-model"))
                    .toList();
        }
    }
}
