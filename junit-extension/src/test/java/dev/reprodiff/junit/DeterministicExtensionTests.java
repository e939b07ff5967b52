package dev.reprodiff.junit;

import dev.reprodiff.determinism.Determinism;
import dev.reprodiff.random.Generator;
import dev.reprodiff.golden.GoldenManifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.reprodiff.junit.TestKit.MVN_TEST;
import static dev.reprodiff.junit.ReproAssertions.assertThatTensor;
import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static dev.reprodiff.junit.TestKit.executeMethod;
import static dev.reprodiff.junit.TestKit.onlyFailure;
import static org.assertj.core.api.Assertions.assertThat;

class DeterministicExtensionTests {

    static final List<Object> SEEN = new CopyOnWriteArrayList<>();
    static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    Path goldens;

    @BeforeEach
    void clear() {
        SEEN.clear();
        RUNS.set(0);
    }

    private EngineExecutionResults run(Class<?> testCase, String... more) {
        // reprodiff.ci=false: these test cases record into a temporary folder, also when the build itself runs on CI.
        String[] all = new String[more.length + 6];
        all[0] = "reprodiff.golden.dir";
        all[1] = goldens.toString();
        all[2] = "reprodiff.artifacts.dir";
        all[3] = goldens.resolve("artifacts").toString();
        all[4] = "reprodiff.ci";
        all[5] = "false";
        System.arraycopy(more, 0, all, 6, more.length);
        return execute(testCase, all);
    }

    // ---- switches

    static class SwitchesTestCase {
        @Test
        @Deterministic
        void oneThread() {
            SEEN.add(Determinism.current());
        }

        @Test
        @Deterministic(threads = 2)
        void twoThreads() {
            SEEN.add(Determinism.current());
        }

        @Test
        @Deterministic
        void fails() {
            throw new AssertionError("boom");
        }
    }

    @Test
    void switchFullDeterminismOnAndRestoreIt() {
        Determinism.Settings before = Determinism.current();
        EngineExecutionResults results = run(SwitchesTestCase.class);
        assertThat(results.testEvents().succeeded().count()).isEqualTo(2);
        assertThat(SEEN).containsExactlyInAnyOrder(Determinism.Settings.full(1), Determinism.Settings.full(2));
        assertThat(Determinism.current()).isEqualTo(before);
        assertThat(before.deterministicAlgorithms()).isFalse();
        assertThat(TestKit.reportEntries(results)).contains(java.util.Map.of("reprodiff.deterministic",
                "{allow_tf32_cublas=false, allow_tf32_cudnn=false, cudnn_benchmark=false, cudnn_deterministic=true,"
                        + " deterministic_algorithms=true, float32_matmul_precision=highest,"
                        + " graph_executor_optimize=false, num_threads=1, warn_only=false}"));
    }

    @Deterministic
    static class ClassLevelTestCase {
        @Test
        void inherited() {
            SEEN.add(Determinism.current().deterministicAlgorithms());
        }
    }

    @Test
    void applyToEveryTestOfAnAnnotatedClass() {
        assertAllSucceeded(run(ClassLevelTestCase.class), 1);
        assertThat(SEEN).containsExactly(true);
        assertThat(Determinism.current().deterministicAlgorithms()).isFalse();
    }

    static class LockTestCase {
        static final AtomicInteger ACTIVE = new AtomicInteger();

        @org.junit.jupiter.api.RepeatedTest(8)
        @Deterministic
        void exclusive() throws InterruptedException {
            SEEN.add(ACTIVE.incrementAndGet());
            Thread.sleep(5);
            ACTIVE.decrementAndGet();
        }
    }

    @Test
    void neverRunTwoDeterministicTestsAtOnce() {
        assertAllSucceeded(run(LockTestCase.class, "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent"), 8);
        assertThat(SEEN).hasSize(8).containsOnly(1);
    }

    /** A @Deterministic test holding libtorch's switches for a while, beside other tests recording goldens. */
    static class ExclusiveTestCase {
        static volatile long start;
        static volatile long end;

        @Test
        @Deterministic
        void holdsTheSwitches(Golden golden) throws InterruptedException {
            start = System.nanoTime();
            golden.verify("deterministic", new float[] {1}, 1);
            Thread.sleep(300);
            end = System.nanoTime();
        }
    }

    @Goldens
    static class BesideTestCase {
        static final List<long[]> WINDOWS = new CopyOnWriteArrayList<>();

        @org.junit.jupiter.api.RepeatedTest(8)
        void recordsBeside(Golden golden, org.junit.jupiter.api.RepetitionInfo repetition)
                throws InterruptedException {
            long start = System.nanoTime();
            golden.verify("beside/g" + repetition.getCurrentRepetition(), new float[] {1}, 1);
            Thread.sleep(40);
            WINDOWS.add(new long[] {start, System.nanoTime()});
        }
    }

    @Test
    void noTestRunsWhileADeterministicOneDoesAndEveryManifestRecordsTheSwitchesOfItsOwnTest() {
        BesideTestCase.WINDOWS.clear();
        assertAllSucceeded(TestKit.executeClasses(List.of(BesideTestCase.class, ExclusiveTestCase.class),
                "reprodiff.golden.dir", goldens.toString(), "reprodiff.artifacts.dir",
                goldens.resolve("artifacts").toString(), "reprodiff.ci", "false", "reprodiff.golden.mode", "record",
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent"), 9);
        assertThat(BesideTestCase.WINDOWS).hasSize(8).allSatisfy(window -> assertThat(
                window[1] < ExclusiveTestCase.start || window[0] > ExclusiveTestCase.end)
                .as("a test ran while the @Deterministic one did").isTrue());
        GoldenStore store = new GoldenStore(goldens);
        for (int i = 1; i <= 8; i++) {
            assertThat(store.readManifest("beside/g" + i).orElseThrow().variants.get("default").platform()
                    .determinism()).containsEntry("deterministic_algorithms", false);
        }
        GoldenManifest.Variant deterministic = store.readManifest("deterministic").orElseThrow().variants
                .get("default");
        assertThat(deterministic.deterministic()).isTrue();
        assertThat(deterministic.platform().determinism()).containsEntry("deterministic_algorithms", true);
    }

    // ---- repeat

    @Seeded(0)
    static class RepeatTestCase {
        @Test
        @Deterministic(repeat = 3)
        void identical(Generator generator, List<Generator> generators, Golden golden) {
            RUNS.incrementAndGet();
            SEEN.add(generator == generators.get(0));
            golden.capture("noise", generator.randn(new float[8]), 2, 4);
        }

        @Test
        @Deterministic(repeat = 2)
        void drifting(Golden golden) {
            golden.capture("drift", new float[] {1, 2, 3, RUNS.incrementAndGet()}, 2, 2);
        }

        @Test
        @Deterministic(repeat = 2)
        void capturesNothing() {
        }

        @Test
        @Deterministic(repeat = 2)
        void changesWhatItCaptures(Golden golden) {
            golden.capture(RUNS.incrementAndGet() == 1 ? "a" : "b", new float[] {1}, 1);
        }
    }

    @Test
    void repeatTheBodyWithFreshGeneratorsInTheSameState() {
        assertAllSucceeded(executeMethod(RepeatTestCase.class,
                "identical(dev.reprodiff.random.Generator, java.util.List, dev.reprodiff.junit.Golden)"), 1);
        assertThat(RUNS).hasValue(3);
        assertThat(SEEN).containsExactly(true, true, true);
    }

    @Test
    void failWhenARunDiffers() {
        Throwable failure = onlyFailure(executeMethod(RepeatTestCase.class, "drifting(dev.reprodiff.junit.Golden)"));
        assertThat(failure).isInstanceOf(AssertionFailedError.class).hasMessage(
                "[DeterministicExtensionTests$RepeatTestCase#drifting, @Seeded(0)]\n"
                        + "@Deterministic(repeat = 2) expects identical outputs, but\n"
                        + "  \"drift\" float32[2, 2] differs between run 1 and run 2: 1 / 4 elements (25.0%), L-inf"
                        + " 1.00e+00 at index (1, 1): run 1 1.00000, run 2 2.00000\n"
                        + "Seeds: @Seeded(0)\n"
                        + "Replay: " + MVN_TEST + " -Dtest='DeterministicExtensionTests$RepeatTestCase#drifting'");
    }

    @Test
    void failWhenNothingIsCaptured() {
        assertThat(onlyFailure(executeMethod(RepeatTestCase.class, "capturesNothing"))).hasMessage(
                "[DeterministicExtensionTests$RepeatTestCase#capturesNothing, @Seeded(0)]\n"
                        + "@Deterministic(repeat = 2) compares the outputs of each run, but the first run captured"
                        + " none; pass them through Golden.verify, Golden.capture or"
                        + " assertThatTensor(...).matchesGolden\n"
                        + "Seeds: @Seeded(0)\n"
                        + "Replay: " + MVN_TEST + " -Dtest='DeterministicExtensionTests$RepeatTestCase#capturesNothing'");
    }

    @Test
    void failWhenRunsCaptureDifferentOutputs() {
        assertThat(onlyFailure(executeMethod(RepeatTestCase.class,
                "changesWhatItCaptures(dev.reprodiff.junit.Golden)")))
                .hasMessageContaining("  run 1 captured [a], run 2 captured [b]\n");
    }

    @Goldens
    static class RepeatWithGoldenTestCase {
        @Test
        @Seeded(3)
        @Deterministic(repeat = 2)
        void noise(Generator generator) {
            assertThatTensor(generator.randn(new float[4]), 4).matchesGolden("noise");
        }
    }

    @Test
    void recordAndVerifyGoldensOnEveryRun() {
        assertAllSucceeded(run(RepeatWithGoldenTestCase.class, "reprodiff.golden.mode", "record"), 1);
        assertAllSucceeded(run(RepeatWithGoldenTestCase.class), 1);
    }

    static class BadAttributesTestCase {
        @Test
        @Deterministic(threads = 0)
        void zeroThreads() {
        }
    }

    @Test
    void rejectInvalidAttributes() {
        assertThat(onlyFailure(execute(BadAttributesTestCase.class))).hasMessage(
                "@Deterministic(threads = 0, repeat = 1) is invalid: threads and repeat must be at least 1");
    }
}
