package dev.reprodiff.benchmarks;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Seeded;
import dev.reprodiff.random.Generator;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The extension's per-test overhead: a class of {@value #TESTS} trivial tests run by the Jupiter engine, plain and
 * with {@code @Seeded} (seed resolution, report entry, a generator and a {@link Golden} injected). The overhead per
 * test is the difference of the two scores divided by {@value #TESTS}; the target is under 5 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"})
public class ExtensionOverheadBenchmark {

    static final int TESTS = 100;

    public static class PlainTestCase {
        @RepeatedTest(TESTS)
        void trivial() {
        }
    }

    @Seeded(0)
    public static class SeededTestCase {
        @RepeatedTest(TESTS)
        void trivial(Generator generator, Golden golden) {
        }
    }

    @Benchmark
    public long plain() {
        return run(PlainTestCase.class);
    }

    @Benchmark
    public long seeded() {
        return run(SeededTestCase.class);
    }

    private static long run(Class<?> testCase) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testCase))
                .execute();
        long succeeded = results.testEvents().succeeded().count();
        if (succeeded != TESTS) {
            throw new IllegalStateException(testCase.getSimpleName() + ": " + succeeded + " of " + TESTS
                    + " tests succeeded");
        }
        return succeeded;
    }
}
