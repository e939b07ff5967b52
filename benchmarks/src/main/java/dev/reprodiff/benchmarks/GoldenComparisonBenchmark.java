package dev.reprodiff.benchmarks;

import dev.reprodiff.junit.ReproAssertions;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The golden comparison of two 64 MiB float32 tensors against a plain copy of 64 MiB in the same run. A comparison
 * reads 128 MiB, a copy reads 64 MiB and writes 64 MiB, so equal times mean equal memory bandwidth; the target is a
 * comparison that takes at most twice as long as the copy. {@code toleranceComparison} is the default verify path
 * ({@code assert_close}'s float32 rule, every element within it), {@code exactComparison} the
 * {@code @Deterministic} one (L-infinity 0).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"})
public class GoldenComparisonBenchmark {

    private static final int ELEMENTS = 64 * 1024 * 1024 / Float.BYTES;

    private float[] actual;
    private float[] golden;
    private float[] copy;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(0);
        actual = new float[ELEMENTS];
        golden = new float[ELEMENTS];
        copy = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            golden[i] = (float) random.nextGaussian();
            actual[i] = golden[i] + (float) (random.nextDouble(-1, 1) * 1e-6);   // within tolerance: no early exit
        }
    }

    @Benchmark
    public float[] arrayCopy() {
        System.arraycopy(actual, 0, copy, 0, ELEMENTS);
        return copy;
    }

    @Benchmark
    public Object toleranceComparison() {
        return ReproAssertions.assertThatTensor(actual, ELEMENTS).isCloseTo(golden, 1e-5, 1.3e-6);
    }

    @Benchmark
    public Object exactComparison() {
        return ReproAssertions.assertThatTensor(golden, ELEMENTS).isCloseTo(golden, 0, 0);
    }
}
