package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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

import java.util.concurrent.TimeUnit;

/**
 * One DDIM step (UNet forward and scheduler update) of the CLI's embedded default model, a small UNet2DModel whose
 * time goes to per-op costs more than to kernels, with two baselines in the same run: the machine's float32 matmul
 * rate through DJL ({@code matmul512}, 2 * 512^3 FLOP) and the cost of one small libtorch op as DJL makes it
 * ({@code libtorchOp}: an add of two 1x16x16x16 arrays and the result's release, two JNI calls). {@code StepCalls}
 * counts the calls a step makes; calls times {@code libtorchOp / 2} over the step time is the per-op share.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"})
public class DefaultModelStepBenchmark {

    @Param({"1", "8"})
    public int batch;

    private NDManager manager;
    private DefaultModel model;
    private NDArray sample;
    private NDArray left;
    private NDArray right;
    private NDArray small;

    @Setup(Level.Trial)
    public void setUp() {
        manager = PyTorchEngine.newManager();
        model = new DefaultModel(manager);
        sample = Generator.seeded(1).randn(manager, model.sampleShape(batch));
        left = Generator.seeded(2).randn(manager, new Shape(512, 512));
        right = Generator.seeded(3).randn(manager, new Shape(512, 512));
        small = Generator.seeded(4).randn(manager, new Shape(1, 16, 16, 16));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        manager.close();
    }

    @Benchmark
    public float ddimStep() {
        return model.scopedStep(sample);
    }

    @Benchmark
    @SuppressWarnings("try")
    public float matmul512() {
        try (NDScope scope = new NDScope()) {
            return left.matMul(right).getFloat(0, 0);
        }
    }

    @Benchmark
    public long libtorchOp() {
        try (NDArray sum = small.add(small)) {
            return sum.hashCode();
        }
    }
}
