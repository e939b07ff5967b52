package dev.reprodiff.io;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A weights file that another process truncates, rewrites or never finishes writing (a FIFO): a clear error naming
 * the file, never a JVM crash and never a hang.
 */
class ChangingFileTests {

    @TempDir
    Path dir;

    @Test
    void aFileTruncatedAfterItsHeaderWasReadNamesTheTensorItCutsOff() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafeTensors.saveFloats(file, Map.of("a", new FloatTensor(new long[] {4}, new float[] {1, 2, 3, 4}),
                "b", new FloatTensor(new long[] {4}, new float[] {5, 6, 7, 8})), null);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SafeTensorsHeader header = HeaderReader.read(file, channel);
            TensorInfo last = header.tensors().get(1);
            long start = header.dataStart() + last.begin();
            try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
                writer.truncate(start + 5);   // what Python's save_file does to a file it rewrites in place
            }
            ByteBuffer staging = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
            assertThatThrownBy(() -> SafeTensors.readTensor(file, channel, header, last, staging))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessage("Cannot load " + file + ": it changed while it was being read, tensor \""
                            + last.name() + "\" needs bytes " + start + " to " + (start + 16) + ", but the file now"
                            + " ends at " + (start + 5) + " bytes (it had " + header.fileSize() + " when its header"
                            + " was read). Another process is writing or truncating it (Python's save_file rewrites"
                            + " a file in place); load it again once the writer has finished, or have writers write"
                            + " a temporary file and rename it over this one");
        }
    }

    /**
     * The crash itself: a child JVM loads a 256 MiB file in a loop while this process truncates it. Reading through
     * a memory map, the child died of SIGBUS (exit 134, an hs_err file) inside libtorch's copy.
     */
    @Test
    void aChildJvmLoadingAFileThatIsTruncatedUnderItFailsCleanly() throws Exception {
        Path file = dir.resolve("big.safetensors");
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < 16; i++) {
            tensors.put("t" + i, new FloatTensor(new long[] {4 << 20}, new float[4 << 20]));
        }
        SafeTensors.saveFloats(file, tensors, null);
        Path log = dir.resolve("child.log");
        Process child = new ChildJvm().option("-Dai.djl.offline=true")
                .option("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")).option("-Xmx256m")
                .start(log, LoadLoop.class, file.toString());
        try {
            awaitLine(log, "loaded 1", child);
            long header;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                header = HeaderReader.read(file, channel).dataStart();
            }
            try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
                writer.truncate(header + 4096);
            }
            assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(child.exitValue()).as(output).isEqualTo(3);
        assertThat(output).contains("refused: ").contains(file.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).noneMatch(name -> name.startsWith("hs_err"));
        }
    }

    @Test
    @Timeout(30)
    void aFifoIsRefusedInsteadOfWaitedOn() throws Exception {
        Path fifo = dir.resolve("weights.safetensors");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        try (NDManager manager = PyTorchEngine.newManager()) {
            assertThatThrownBy(() -> SafeTensors.load(fifo, manager))
                    .isInstanceOf(SafeTensorsException.class)
                    .hasMessage(fifo + " is a FIFO (named pipe), not a regular file; safetensors weights are read"
                            + " from a regular file (copy the data into one)");
        }
        assertThatThrownBy(() -> SafeTensors.readHeader(fifo)).isInstanceOf(SafeTensorsException.class)
                .hasMessageStartingWith(fifo + " is a FIFO (named pipe), not a regular file");
    }

    @Test
    void aDirectoryIsRefusedByName() {
        assertThatThrownBy(() -> SafeTensors.readFloats(dir, "x"))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessage(dir + " is a directory, not a regular file; safetensors weights are read from a regular"
                        + " file (copy the data into one)");
    }

    private static void awaitLine(Path log, String line, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            if (!child.isAlive()) {
                throw new AssertionError("The child ended before printing '" + line + "': " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("The child did not print '" + line + "'");
    }
}
