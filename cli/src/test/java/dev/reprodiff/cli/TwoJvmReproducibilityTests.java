package dev.reprodiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The guide's claim across processes: a second JVM writes the same bytes for the same seed. */
class TwoJvmReproducibilityTests {

    @TempDir
    Path dir;

    @Test
    void aSecondJvmGeneratesTheSameBytes() throws IOException, InterruptedException {
        Path here = dir.resolve("here.safetensors");
        Path there = dir.resolve("there.safetensors");
        List<String> arguments = List.of("generate", "--scheduler", "ddpm", "--steps", "3", "--seed", "5,6",
                "--trajectory");
        StringWriter err = new StringWriter();
        String[] inProcess = concat(arguments, "--out", here.toString());
        assertThat(Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), inProcess))
                .as(err.toString()).isZero();

        Path log = dir.resolve("child.log");
        Process child = ChildJvm.start(List.of(), List.of(concat(arguments, "--out", there.toString())), log);
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(Files.readString(log)).isZero();

        assertThat(Files.readAllBytes(there)).isEqualTo(Files.readAllBytes(here));
    }

    private static String[] concat(List<String> head, String... tail) {
        String[] all = head.toArray(new String[head.size() + tail.length]);
        System.arraycopy(tail, 0, all, head.size(), tail.length);
        return all;
    }
}
