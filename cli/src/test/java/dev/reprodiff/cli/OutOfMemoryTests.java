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
    void noiseBeyondOneBufferIsOneLineWithTheSizeAndTheFix() throws Exception {
        List<String> lines = runChild(List.of("-Xmx64m"), "40000,40000", dir.resolve("noise.safetensors"));
        assertThat(lines).containsExactly("reprodiff noise: Cannot draw 1600000000 float32 elements for shape"
                + " (40000, 40000) into one array: its 6400000000 bytes exceed the 2147483647 that one DJL buffer"
                + " holds. Draw the batch in slices (one generator per slice, see RandomTensors.randnTensor).");
        assertThat(dir.resolve("noise.safetensors")).doesNotExist();
    }

    /** The noise is drawn straight into libtorch's memory: a tensor larger than the Java heap needs no heap. */
    @Test
    void noiseLargerThanTheHeapIsDrawnInEngineMemory() throws Exception {
        Path out = dir.resolve("noise.safetensors");
        List<String> lines = runChild(List.of("-Xmx32m"), "3000,3000", out);
        assertThat(lines).contains("randn float32 (3000, 3000) with seed 0 (one for the whole shape)",
                "wrote " + out);
        assertThat(Files.size(out)).isGreaterThan(3000L * 3000 * Float.BYTES);   // 34 MiB of noise, 32 MiB of heap
    }

    private List<String> runChild(List<String> jvmOptions, String shape, Path out) throws Exception {
        Path log = dir.resolve("child.log");
        Process child = ChildJvm.start(jvmOptions, List.of("noise", "--seed", "0", "--shape", shape, "--out",
                out.toString()), log);
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return Files.readAllLines(log).stream()
                .filter(line -> !line.startsWith("[main] ") && !line.startsWith("WARNING: Using incubator")).toList();
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
