package dev.reprodiff.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.random.Generator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Our torch-exact {@code randn} (float32) against libtorch's own {@code randn} through DJL, for the same shapes in
 * the same run. The ratio of {@code reprodiffRandnNDArray} to {@code libtorchRandomNormal} (both produce an NDArray
 * on the PyTorch engine) is the figure that matters; {@code reprodiffRandnArray} shows the cost without the copy
 * into native memory.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"})
public class GeneratorBenchmark {

    @Param({"1,4,64,64", "4,4,128,128"})
    public String shape;

    private Shape dims;
    private float[] buffer;
    private Generator generator;
    private NDManager manager;

    @Setup(Level.Trial)
    public void setUp() {
        dims = new Shape(Arrays.stream(shape.split(",")).mapToLong(Long::parseLong).toArray());
        buffer = new float[Math.toIntExact(dims.size())];
        generator = Generator.seeded(0);
        manager = PyTorchEngine.newManager();
        Engine.getEngine("PyTorch").setRandomSeed(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public float[] reprodiffRandnArray() {
        return generator.randn(buffer);
    }

    @Benchmark
    public float reprodiffRandnNDArray() {
        try (NDArray noise = generator.randn(manager, dims)) {
            return noise.getShape().size();
        }
    }

    @Benchmark
    public float libtorchRandomNormal() {
        try (NDArray noise = manager.randomNormal(dims)) {
            return noise.getShape().size();
        }
    }
}
