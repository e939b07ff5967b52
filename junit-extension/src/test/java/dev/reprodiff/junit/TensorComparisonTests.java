package dev.reprodiff.junit;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TensorComparisonTests {

    /** Values near the tolerance border, zeros, NaNs and infinities, in random places. */
    private static float[][] awkwardPair(long seed, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] golden = new float[length];
        float[] actual = new float[length];
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                Float.MAX_VALUE};
        for (int i = 0; i < length; i++) {
            golden[i] = (float) random.nextGaussian();
            double border = 1e-5 + 1.3e-6 * Math.abs(golden[i]);
            actual[i] = golden[i] + (float) (border * random.nextDouble(0.9, 1.1) * (random.nextBoolean() ? 1 : -1));
            if (random.nextInt(20) == 0) {
                actual[i] = specials[random.nextInt(specials.length)];
            }
            if (random.nextInt(20) == 0) {
                golden[i] = specials[random.nextInt(specials.length)];
            }
        }
        return new float[][] {actual, golden};
    }

    @Test
    void vectorLanesGiveTheScalarVerdictOnEveryElement() {
        assertThat(TensorComparison.LANES).as("surefire runs with --add-modules jdk.incubator.vector").isTrue();
        for (long seed = 0; seed < 20; seed++) {
            float[][] pair = awkwardPair(seed, 1000 + (int) seed);
            for (double[] tolerance : new double[][] {{1e-5, 1.3e-6}, {0, 0}, {1e-3, 0}}) {
                long scalar = TensorComparison.countMismatchesScalar(pair[0], pair[1], 0, pair[0].length,
                        tolerance[0], tolerance[1]);
                assertThat(TensorComparison.countMismatches(pair[0], pair[1], tolerance[0], tolerance[1]))
                        .isEqualTo(scalar);
                assertThat(TensorComparison.compare(pair[0], pair[1], tolerance[0], tolerance[1]).mismatched())
                        .isEqualTo(scalar);
            }
        }
    }

    @Test
    void summaryOnLanesIsTheScalarSummary() {
        for (long seed = 0; seed < 20; seed++) {
            float[][] pair = awkwardPair(seed, 1000 + (int) seed);
            float[] finite = pair[1].clone();
            for (int i = 0; i < finite.length; i++) {
                finite[i] = Float.isFinite(finite[i]) ? finite[i] : 0.5f;
            }
            float[] near = finite.clone();
            for (int i = 0; i < near.length; i++) {
                near[i] += (float) (1e-6 * ((i % 7) - 3));
            }
            for (float[][] candidate : new float[][][] {pair, {near, finite}}) {
                for (double[] t : new double[][] {{1e-5, 1.3e-6}, {0, 0}, {1e-3, 0}}) {
                    TensorComparison.Summary scalar = TensorComparison.summarizeScalar(candidate[0], 0, candidate[1],
                            0, candidate[0].length, (float) t[0], (float) t[1]);
                    TensorComparison.Summary summary = TensorComparison.summarize(candidate[0], candidate[1], t[0],
                            t[1]);
                    assertThat(summary.mismatched()).isEqualTo(scalar.mismatched()).isEqualTo(TensorComparison
                            .countMismatchesScalar(candidate[0], candidate[1], 0, candidate[0].length, t[0], t[1]));
                    assertThat(Float.floatToIntBits(summary.linf())).isEqualTo(Float.floatToIntBits(scalar.linf()));
                    // The share is a report's figure: lanes and scalar find the same maximum, give or take its ulp.
                    if (Float.isFinite(scalar.used())) {
                        assertThat(summary.used()).isCloseTo(scalar.used(),
                                org.assertj.core.data.Percentage.withPercentage(1e-4));
                    } else {
                        assertThat(summary.used()).isEqualTo(scalar.used());
                    }
                }
            }
        }
    }

    @Test
    void summaryOfAPassingComparisonGivesLInfinityAndTheShareOfTheToleranceUsed() {
        TensorComparison.Summary summary = TensorComparison.summarize(new float[] {1, 2, 3.5f}, new float[] {1, 2, 3},
                1, 0);
        assertThat(summary.passed()).isTrue();
        assertThat(summary.linf()).isEqualTo(0.5f);
        assertThat(summary.used()).isEqualTo(0.5f);
        assertThat(TensorComparison.summarize(new float[] {1, 2}, new float[] {1, 2}, 0, 0).used()).isZero();
        assertThat(TensorComparison.summarize(new float[] {1, 2}, new float[] {1, 3}, 0, 0).used()).isInfinite();
    }

    @Test
    void aGoldenArrivingInChunksAcrossStepBoundariesGivesTheWholeTensorsVerdict() {
        int steps = 3;
        int size = 1000;
        float[] golden = new float[steps * size];
        float[] actual = new float[steps * size];
        for (int i = 0; i < golden.length; i++) {
            golden[i] = i * 0.001f;
            actual[i] = golden[i] + (i == 2 * size + 17 ? 0.5f : i % 3 == 0 ? 1e-6f : 0);
        }
        TensorComparison.Accumulator chunks = new TensorComparison.Accumulator(actual, steps, true, 1e-5, 1.3e-6);
        float[] chunk = new float[700];   // not a divisor of the step size: chunks straddle steps
        for (int from = 0; from < golden.length; from += chunk.length) {
            int count = Math.min(chunk.length, golden.length - from);
            System.arraycopy(golden, from, chunk, 0, count);
            chunks.accept(chunk, count);
        }
        TensorComparison.Verdict verdict = chunks.verdict();
        assertThat(verdict.summary().mismatched()).isEqualTo(1);
        assertThat(verdict.summary()).isEqualTo(TensorComparison.summarize(actual, golden, 1e-5, 1.3e-6));
        assertThat(verdict.steps().firstOutOfTolerance()).isEqualTo(2);
        assertThat(verdict.steps().linf()).containsExactly(TensorComparison.steps(actual, golden, steps, 1e-5,
                1.3e-6).linf());
        assertThat(verdict.steps().linf()[2]).isEqualTo(0.5, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void countOnlyWithinTheRange() {
        float[] actual = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        float[] golden = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0};
        assertThat(TensorComparison.countMismatches(actual, golden, 1, 10, 0, 0)).isZero();
        assertThat(TensorComparison.countMismatches(actual, golden, 0, 11, 0, 0)).isEqualTo(2);
    }
}
