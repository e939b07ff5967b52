package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Generator;
import ai.djl.ndarray.NDScope;
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

import java.util.concurrent.TimeUnit;

/**
 * One denoising step (a UNet forward) of the real google/ddpm-cifar10-32 architecture, against the machine's float32
 * matmul rate through DJL (2048 x 2048 x 2048) in the same run. Effective GFLOP/s of a step is
 * {@code 12.1 * batch / seconds}; of the matmul {@code 2 * 2048^3 / seconds}; their ratio is the figure of merit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"})
public class UNetStepBenchmark {

    @Param({"1", "8"})
    public int batch;

    private NDManager manager;
    private UNet2DModel unet;
    private NDArray sample;
    private NDArray left;
    private NDArray right;

    @Setup(Level.Trial)
    public void setUp() {
        manager = PyTorchEngine.newManager();
        unet = Cifar10.unet(manager);
        sample = Generator.seeded(1).randn(manager, new Shape(batch, 3, 32, 32));
        left = Generator.seeded(2).randn(manager, new Shape(2048, 2048));
        right = Generator.seeded(3).randn(manager, new Shape(2048, 2048));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        unet.close();
        manager.close();
    }

    @Benchmark
    @SuppressWarnings("try")
    public float unetStep() {
        try (NDScope step = new NDScope()) {
            return unet.forward(sample, 500).getFloat(0, 0, 0, 0);
        }
    }

    @Benchmark
    @SuppressWarnings("try")
    public float matmul2048() {
        try (NDScope step = new NDScope()) {
            return left.matMul(right).getFloat(0, 0);
        }
    }
}
