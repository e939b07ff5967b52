package dev.reprodiff.junit;

import dev.reprodiff.random.Generator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.reprodiff.junit.TestKit.MVN_TEST;
import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static dev.reprodiff.junit.TestKit.executeMethod;
import static dev.reprodiff.junit.TestKit.onlyFailure;
import static dev.reprodiff.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SeededExtensionTests {

    /** What the fixtures saw: generators, seeds, first draws. Fixtures run one engine at a time. */
    static final List<Object> SEEN = new CopyOnWriteArrayList<>();

    @BeforeEach
    void clearSeen() {
        SEEN.clear();
    }

    private static float firstDraw(long seed) {
        return Generator.seeded(seed).randn(new float[1])[0];
    }

    // ---- injection

    static class OneSeedTestCase {
        @Test
        @Seeded(42)
        void draw(Generator generator, @Seeded long seed, @Seeded long[] seeds) {
            SEEN.add(generator.initialSeed());
            SEEN.add(generator.randn(new float[1])[0]);
            SEEN.add(seed);
            SEEN.add(seeds.length);
        }
    }

    @Test
    void injectGeneratorAndSeedFromTheMethodsSeed() {
        assertAllSucceeded(execute(OneSeedTestCase.class), 1);
        assertThat(SEEN).containsExactly(42L, firstDraw(42), 42L, 1);
    }

    static class BatchTestCase {
        @Test
        @Seeded({0, 1, 2, 3})
        void batch(List<Generator> generators, @Seeded long[] seeds) {
            generators.forEach(g -> SEEN.add(g.randn(new float[1])[0]));
            SEEN.add(seeds.length);
        }
    }

    @Test
    void injectOneIndependentGeneratorPerSeed() {
        assertAllSucceeded(execute(BatchTestCase.class), 1);
        assertThat(SEEN).containsExactly(firstDraw(0), firstDraw(1), firstDraw(2), firstDraw(3), 4);
    }

    static class SharedTestCase {
        Generator fromBeforeEach;

        @BeforeEach
        void setUp(Generator generator) {
            fromBeforeEach = generator;
        }

        @Test
        @Seeded(5)
        void share(Generator generator, List<Generator> generators) {
            SEEN.add(generator == fromBeforeEach && generator == generators.get(0));
        }
    }

    @Test
    void shareGeneratorsBetweenParametersOfOneInvocation() {
        assertAllSucceeded(execute(SharedTestCase.class), 1);
        assertThat(SEEN).containsExactly(true);
    }

    @Seeded(7)
    static class FreshGeneratorsTestCase {
        @RepeatedTest(3)
        void repeated(Generator generator) {
            SEEN.add(generator);
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 2, 3})
        void parameterized(int value, Generator generator) {
            SEEN.add(generator);
        }
    }

    @Test
    void createFreshGeneratorsForEveryInvocation() {
        assertAllSucceeded(execute(FreshGeneratorsTestCase.class), 6);
        Map<Object, Boolean> distinct = new IdentityHashMap<>();
        SEEN.forEach(g -> distinct.put(g, true));
        assertThat(distinct).hasSize(6);
        assertThat(SEEN).allSatisfy(g -> assertThat(((Generator) g).randn(new float[1])[0]).isEqualTo(firstDraw(7)));
    }

    @Seeded(9)
    static class ParallelTestCase {
        @RepeatedTest(40)
        void repeated(Generator generator) throws InterruptedException {
            float first = generator.randn(new float[1])[0];
            Thread.sleep(1);
            SEEN.add(first == firstDraw(9) && generator.initialSeed() == 9);
        }
    }

    @Test
    void keepGeneratorsApartUnderParallelExecution() {
        assertAllSucceeded(execute(ParallelTestCase.class, "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent"), 40);
        assertThat(SEEN).hasSize(40).containsOnly(true);
    }

    // ---- seed resolution

    @Seeded(100)
    static class ClassSeedTestCase {
        @Test
        void fromClass(@Seeded long seed) {
            SEEN.add(seed);
        }

        @Test
        @Seeded(200)
        void fromMethod(@Seeded long seed) {
            SEEN.add(seed);
        }

        @Nested
        class Inner {
            @Test
            void fromEnclosingClass(@Seeded long seed) {
                SEEN.add(seed);
            }
        }
    }

    @Test
    void preferMethodThenClassThenEnclosingClass() {
        assertAllSucceeded(execute(ClassSeedTestCase.class, "reprodiff.seed", "300"), 3);
        assertThat(SEEN).containsExactlyInAnyOrder(100L, 200L, 100L);
    }

    static class UnfixedTestCase {
        @Test
        @Seeded
        void unfixed(@Seeded long seed) {
            SEEN.add(seed);
        }
    }

    @Test
    void replayUnfixedSeedsFromTheConfigurationParameter() {
        EngineExecutionResults results = execute(UnfixedTestCase.class, "reprodiff.seed", "123");
        assertAllSucceeded(results, 1);
        assertThat(SEEN).containsExactly(123L);
        assertThat(reportEntries(results)).containsExactly(Map.of("reprodiff.seed", "123",
                "reprodiff.seed.source", "configuration"));
    }

    @Test
    void replayFromTheSystemProperty() {
        System.setProperty("reprodiff.seed", "77");
        try {
            assertAllSucceeded(execute(UnfixedTestCase.class), 1);
        } finally {
            System.clearProperty("reprodiff.seed");
        }
        assertThat(SEEN).containsExactly(77L);
    }

    @Test
    void drawAndReportARandomSeedWhenUnfixed() {
        EngineExecutionResults results = execute(UnfixedTestCase.class);
        assertAllSucceeded(results, 1);
        long seed = (Long) SEEN.get(0);
        assertThat(reportEntries(results)).containsExactly(Map.of("reprodiff.seed", Long.toString(seed),
                "reprodiff.seed.source", "random"));
    }

    @Test
    void refuseUnfixedSeedsWhenRequired() {
        Throwable failure = onlyFailure(execute(UnfixedTestCase.class, "reprodiff.seed.requireFixed", "true"));
        assertThat(failure).hasMessage("UnfixedTestCase#unfixed has no fixed seed, and"
                + " reprodiff.seed.requireFixed=true refuses random seeds; give it one, for example @Seeded(0), or set"
                + " reprodiff.seed");
    }

    @Test
    void acceptAReplayedSeedWhenFixedSeedsAreRequired() {
        assertAllSucceeded(execute(UnfixedTestCase.class, "reprodiff.seed.requireFixed", "true",
                "reprodiff.seed", "1"), 1);
    }

    @Test
    void rejectAMalformedSeedProperty() {
        assertThat(onlyFailure(execute(UnfixedTestCase.class, "reprodiff.seed", "1,x"))).hasMessage(
                "Invalid reprodiff.seed \"1,x\": expected a seed or a comma-separated list of seeds, such as 0 or"
                        + " 0,1,2,3");
    }

    // ---- failures name the seeds

    static class FailingTestCase {
        @Test
        @Seeded(7)
        void fails() {
            assertEquals(1, 2);
        }

        @Test
        @Seeded
        void failsUnfixed() {
            throw new AssertionError("boom");
        }

        @Test
        @Seeded(3)
        void throwsIllegalState() {
            throw new IllegalStateException("bad state");
        }
    }

    @Test
    void appendSeedsAndReplayCommandToFailures() {
        Throwable failure = onlyFailure(executeMethod(FailingTestCase.class, "fails"));
        assertThat(failure).isInstanceOf(AssertionFailedError.class).hasMessage("expected: <1> but was: <2>\n"
                + "Seeds: @Seeded(7)\n"
                + "Replay: " + MVN_TEST + " -Dtest='SeededExtensionTests$FailingTestCase#fails'");
        assertThat(((AssertionFailedError) failure).getExpected().getValue()).isEqualTo(1);
    }

    @Test
    void replayUnfixedSeedsWithTheSeedProperty() {
        Throwable failure = onlyFailure(executeMethod(FailingTestCase.class, "failsUnfixed", "reprodiff.seed", "99"));
        assertThat(failure).hasMessage("boom\n"
                + "Seeds: reprodiff.seed=99\n"
                + "Replay: " + MVN_TEST
                + " -Dtest='SeededExtensionTests$FailingTestCase#failsUnfixed' -Dreprodiff.seed=99");
    }

    static class RandomFailureTestCase {
        @Test
        @Seeded
        void draws(Generator generator) {
            throw new AssertionError("drew " + generator.randn(new float[1])[0]);
        }
    }

    @Test
    void replayARandomFailureWithTheCommandItPrints() {
        String first = onlyFailure(execute(RandomFailureTestCase.class)).getMessage();
        String seed = first.substring(first.indexOf("-Dreprodiff.seed=") + "-Dreprodiff.seed=".length());
        String replayed = onlyFailure(execute(RandomFailureTestCase.class, "reprodiff.seed", seed)).getMessage();
        assertThat(first).startsWith("drew " + firstDraw(Long.parseLong(seed)) + "\nSeeds: random seed " + seed
                + "\nReplay: " + MVN_TEST + " -Dtest='SeededExtensionTests$RandomFailureTestCase#draws'"
                + " -Dreprodiff.seed=");
        assertThat(replayed.lines().findFirst()).isEqualTo(first.lines().findFirst());
    }

    @Test
    void keepTheTypeOfOtherExceptions() {
        Throwable failure = onlyFailure(executeMethod(FailingTestCase.class, "throwsIllegalState"));
        assertThat(failure).isExactlyInstanceOf(IllegalStateException.class).hasMessage("bad state");
        assertThat(failure.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasMessage(
                "Seeds: @Seeded(3)\n"
                        + "Replay: " + MVN_TEST + " -Dtest='SeededExtensionTests$FailingTestCase#throwsIllegalState'"));
    }

    @Seeded(11)
    static class FailingSetUpTestCase {
        @BeforeEach
        void setUp(Generator generator) {
            throw new AssertionError("setUp drew " + generator.initialSeed());
        }

        @Test
        void test() {
        }
    }

    @Test
    void appendSeedsToFailuresOfBeforeEachMethods() {
        assertThat(onlyFailure(execute(FailingSetUpTestCase.class))).hasMessage("setUp drew 11\n"
                + "Seeds: @Seeded(11)\n"
                + "Replay: " + MVN_TEST + " -Dtest='SeededExtensionTests$FailingSetUpTestCase#test'");
    }

    // ---- misuse

    static class MisuseTestCase {
        @Test
        @Seeded({1, 2})
        void oneGeneratorTwoSeeds(Generator generator) {
        }

        @Test
        @Seeded(1)
        void seedOnAnInt(@Seeded(4) int seed) {
        }
    }

    @Test
    void explainAGeneratorParameterForSeveralSeeds() {
        assertThat(onlyFailure(executeMethod(MisuseTestCase.class,
                "oneGeneratorTwoSeeds(dev.reprodiff.random.Generator)"))).hasMessage(
                "@Seeded({1, 2}) gives 2 seeds, but parameter 0 of MisuseTestCase#oneGeneratorTwoSeeds takes one"
                        + " Generator; declare List<Generator> to get one generator per seed, or give @Seeded a single"
                        + " seed");
    }

    @Test
    void explainAMisplacedSeedParameter() {
        assertThat(onlyFailure(executeMethod(MisuseTestCase.class, "seedOnAnInt(int)"))).hasMessage(
                "@Seeded on parameter 0 of MisuseTestCase#seedOnAnInt expects a long (the seed) or long[] (all"
                        + " seeds) without a value, but found int with value [4]; put the seeds on the method or"
                        + " class: @Seeded(0)");
    }

}
