package dev.reprodiff.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exhausted memory reaches a CLI user as one line with the size asked for and what to try, never as a stack trace:
 * the Java heap (checked in a child JVM with a small heap, so the test needs no memory) and libtorch's allocator
 * (a real refused allocation).
 */
class OutOfMemoryTests {

    @TempDir
    Path dir;

    @Test
    void noiseBeyondTheHeapIsOneLineWithTheSizeAndTheFix() throws Exception {
        Path log = dir.resolve("child.log");
        Process child = ChildJvm.start(List.of("-Xmx64m"), List.of("noise", "--seed", "0", "--shape",
                "40000,40000", "--out", dir.resolve("noise.safetensors").toString()), log);
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();

        List<String> lines = Files.readAllLines(log).stream()
                .filter(line -> !line.startsWith("[main] ") && !line.startsWith("WARNING: Using incubator")).toList();
        assertThat(child.exitValue()).as(String.join("\n", lines)).isEqualTo(1);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("reprodiff noise: out of memory (Java heap space): the Java heap, at most ")
                .endsWith(", cannot hold the noise of shape (40000, 40000) float32 (6.0 GiB). Ask for less, or give"
                        + " Java more memory: REPRODIFF_JAVA_OPTS=-Xmx13g ./reprodiff ...");
    }

    @Test
    void aRefusedLibtorchAllocationIsOneLineWithItsSize() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new AllocatingCommand());
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler(new CliErrors());

        assertThat(commandLine.execute()).isEqualTo(1);

        assertThat(err.toString()).isEqualTo(String.format("reprodiff allocate: out of memory: libtorch could not"
                + " allocate 8.0 TiB more for a tensor of 2^41 floats. Ask for less (a smaller batch, size or shape),"
                + " or free memory on this machine%n"));
    }

    @Test
    void anUnexpectedExceptionIsOneLineThatAsksForAReport() {
        assertThat(CliErrors.describe(new NullPointerException("x is null"), null))
                .isEqualTo("unexpected java.lang.NullPointerException: x is null. This is a bug in reprodiff;"
                        + " please report it with the command line that caused it");
        assertThat(CliErrors.bytes(6_400_000_000L)).isEqualTo("6.0 GiB");
        assertThat(CliErrors.suggestedHeap(1L << 30, 6_400_000_000L)).isEqualTo("13g");
    }

    /** Asks libtorch for 8 TiB, which the allocator refuses at once, whatever the machine. */
    @Command(name = "allocate")
    static final class AllocatingCommand implements Callable<Integer>, CliErrors.Sized {
        @Override
        public Integer call() {
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                manager.zeros(new Shape(1L << 41));
            }
            return 0;
        }

        @Override
        public String sizeAsked() {
            return "a tensor of 2^41 floats";
        }

        @Override
        public long bytesAsked() {
            return 4L << 41;
        }
    }
}
