package dev.reprodiff.benchmarks;

import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.junit.Goldens;
import dev.reprodiff.junit.ReproAssertions;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The golden comparison of two 64 MiB float32 tensors against a plain copy of 64 MiB in the same run. A comparison
 * reads 128 MiB, a copy reads 64 MiB and writes 64 MiB, so equal times mean equal memory bandwidth; the target is a
 * comparison that takes at most twice as long as the copy (half its bandwidth). {@code toleranceComparison} is the
 * comparison kernel alone ({@code assert_close}'s float32 rule, every element within it), {@code exactComparison}
 * the {@code @Deterministic} one (L-infinity 0), and {@code fullVerify} the whole verify path of a passing golden:
 * {@code matchesGolden} in a test run by the Jupiter engine, reading the recorded 64 MiB golden from its file
 * (page cache) with its checksum, comparing, and writing the result file; {@code engineOverhead} is the same engine
 * run of a test that verifies nothing, to subtract: one engine run verifies many goldens in a real suite.
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
    private Path goldens;
    private Path artifacts;
    private long runs;

    /** The tensor that {@code fullVerify}'s test compares with its golden. */
    static volatile float[] verified;

    @Goldens
    public static class VerifyTestCase {
        @Test
        void verify() {
            ReproAssertions.assertThatTensor(verified, ELEMENTS).matchesGolden("big");
        }
    }

    @Goldens
    public static class NothingTestCase {
        @Test
        void nothing() {
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        SplittableRandom random = new SplittableRandom(0);
        actual = new float[ELEMENTS];
        golden = new float[ELEMENTS];
        copy = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            golden[i] = (float) random.nextGaussian();
            actual[i] = golden[i] + (float) (random.nextDouble(-1, 1) * 1e-6);   // within tolerance: no early exit
        }
        goldens = Files.createTempDirectory("golden-benchmark");
        artifacts = Files.createTempDirectory("golden-benchmark-artifacts");
        verified = golden;
        run("record");
        verified = actual;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        for (Path dir : new Path[] {goldens, artifacts}) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    private long run(String mode) {
        return run(VerifyTestCase.class, mode);
    }

    private long run(Class<?> testCase, String mode) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(testCase))
                .configurationParameter(GoldenProperties.DIR, goldens.toString())
                .configurationParameter(GoldenProperties.ARTIFACTS_DIR, artifacts.toString())
                .configurationParameter(GoldenProperties.CI, "false")
                .configurationParameter(GoldenProperties.MODE, mode)
                .configurationParameter(GoldenProperties.RUN_ID, "benchmark-" + ++runs)   // each a run of its own
                .execute();
        long succeeded = results.testEvents().succeeded().count();
        if (succeeded != 1) {
            throw new IllegalStateException("The verify test did not pass in " + mode + " mode: "
                    + results.testEvents().failed().stream().map(e -> e.getPayload(TestExecutionResult.class)
                    .flatMap(TestExecutionResult::getThrowable).map(Throwable::toString).orElse("?")).toList());
        }
        return succeeded;
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

    @Benchmark
    public long fullVerify() {
        return run("verify");
    }

    @Benchmark
    public long engineOverhead() {
        return run(NothingTestCase.class, "verify");
    }
}
