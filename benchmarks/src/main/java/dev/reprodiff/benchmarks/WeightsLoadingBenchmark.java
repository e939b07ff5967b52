package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.FloatTensor;
import dev.reprodiff.io.SafeTensors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Loading a 256 MiB safetensors file (64 tensors of 4 MiB, the size of a large UNet's convolutions) into engine
 * memory, against reading the same bytes from the page cache into one direct buffer in the same run: the I/O that
 * any loader pays. The file stays in the page cache, so this measures the loader's copies, not the disk.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"})
public class WeightsLoadingBenchmark {

    private static final int TENSORS = 64;
    private static final int ELEMENTS = (4 << 20) / Float.BYTES;

    private Path file;
    private NDManager manager;
    private ByteBuffer whole;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("weights", ".safetensors");
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        float[] values = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            values[i] = i * 1e-6f;
        }
        for (int t = 0; t < TENSORS; t++) {
            tensors.put("down." + t + ".weight", new FloatTensor(new long[] {ELEMENTS}, values));
        }
        SafeTensors.saveFloats(file, tensors, null);
        manager = PyTorchEngine.newManager();
        whole = ByteBuffer.allocateDirect((int) Files.size(file));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        manager.close();
        Files.delete(file);
    }

    @Benchmark
    public int readIntoOneBuffer() throws IOException {
        whole.clear();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (whole.hasRemaining() && channel.read(whole) >= 0) {
                // read() may return fewer bytes than asked
            }
        }
        return whole.position();
    }

    @Benchmark
    public int load() throws IOException {
        Map<String, NDArray> arrays = SafeTensors.load(file, manager);
        arrays.values().forEach(NDArray::close);
        return arrays.size();
    }
}
