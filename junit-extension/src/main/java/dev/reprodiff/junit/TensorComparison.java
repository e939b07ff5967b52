package dev.reprodiff.junit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Element-wise comparison of two float32 tensors under {@code |actual - golden| <= atol + rtol * |golden|}, as
 * {@code torch.testing.assert_close} checks it (NaN never matches; infinities match only themselves).
 *
 * <p>A passing comparison costs one pass over the two tensors ({@link #summarize}: the verdict, the L-infinity and the
 * share of the tolerance used, on vector lanes where the JVM has them); only a failure pays for the statistics its
 * message reports ({@link #compare}).
 */
final class TensorComparison {

    /** Whether the fast path runs on vector lanes ({@code --add-modules jdk.incubator.vector}); same verdicts. */
    static final boolean LANES = !Boolean.getBoolean(dev.reprodiff.golden.GoldenProperties.COMPARISON_SCALAR)
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && ComparisonLanes.isUsable();

    private TensorComparison() {
    }

    /**
     * The verdict of a comparison and what a result file reports about it.
     *
     * @param linf the largest {@code |actual - golden|} over the elements whose difference is a number (a NaN element
     *        is a mismatch, which the failure message names)
     * @param used the largest share of its allowance any element used, {@code |a - g| / (atol + rtol * |g|)}: 0 for
     *        identical tensors, above 1 outside tolerance, infinite where an exact rule meets a difference
     */
    record Summary(long mismatched, float linf, float used) {

        /** A summary whose mismatches the share cannot measure (a NaN, an infinite golden) reads as outside. */
        static Summary of(long mismatched, float linf, float used) {
            return new Summary(mismatched, linf, mismatched > 0 && !(used > 1) ? Float.POSITIVE_INFINITY : used);
        }

        boolean passed() {
            return mismatched == 0;
        }
    }

    /**
     * What a failure message reports; the indices of the greatest differences count finite pairs only (-1 if
     * there are none), and {@code firstNonFinite} is the first element outside tolerance that is NaN or infinite on
     * either side (-1 if none is).
     */
    record Result(long mismatched, long total, double maxAbs, int maxAbsIndex, double maxRel, int maxRelIndex,
                  double cosineDistance, int firstNonFinite, long nonFiniteActual, long nonFiniteGolden) {
    }

    /** A trajectory's per-step L-infinity and the first step with an element outside tolerance (-1 if none). */
    record Steps(double[] linf, int firstOutOfTolerance) {
    }

    /** The summary of every element, and for a trajectory of every step; steps is null for a single tensor. */
    record Verdict(Summary summary, Steps steps) {
    }

    /**
     * Summarizes {@code actual} against a golden that arrives in chunks, in order (as its file is read), so that
     * a passing comparison needs one pass over the file and never holds the golden whole; each chunk is split at step
     * boundaries for a trajectory.
     */
    static final class Accumulator {

        private final float[] actual;
        private final double atol;
        private final double rtol;
        private final int stepSize;
        private final double[] stepLinf;
        private int position;
        private int firstStep = -1;
        private long mismatched;
        private float linf;
        private float used;

        Accumulator(float[] actual, int steps, boolean trajectory, double atol, double rtol) {
            this.actual = actual;
            this.atol = atol;
            this.rtol = rtol;
            this.stepSize = trajectory ? actual.length / Math.max(steps, 1) : Math.max(actual.length, 1);
            this.stepLinf = trajectory ? new double[steps] : null;
        }

        /** The next {@code count} golden elements. */
        void accept(float[] golden, int count) {
            int offset = 0;
            while (offset < count) {
                int step = position / stepSize;
                int take = Math.min(count - offset, (step + 1) * stepSize - position);
                Summary s = summarize(actual, position, golden, offset, take, atol, rtol);
                mismatched += s.mismatched();
                linf = Math.max(linf, s.linf());
                used = Math.max(used, s.used());
                if (stepLinf != null) {
                    stepLinf[step] = Math.max(stepLinf[step], s.linf());
                    firstStep = firstStep < 0 && !s.passed() ? step : firstStep;
                }
                position += take;
                offset += take;
            }
        }

        Verdict verdict() {
            if (position != actual.length) {
                throw new IllegalStateException("The golden held " + position + " elements, the tensor "
                        + actual.length);
            }
            return new Verdict(Summary.of(mismatched, linf, used), stepLinf == null ? null
                    : new Steps(stepLinf, firstStep));
        }
    }

    /**
     * What a calibration run observes: the L-infinity (over every element and, for a trajectory, each step), the
     * golden's largest magnitude, and the SHA-256 of the computed float32 values (whole and per step), which tells
     * runs apart that compute different tensors.
     *
     * @param nonFinite the elements whose difference is not a finite number (a NaN, or an infinity on one side)
     */
    record Spread(double linf, double goldenMaxAbs, double[] stepLinf, String sha256, List<String> stepSha256,
                  long nonFinite) {
    }

    static Spread spread(float[] actual, float[] golden, int steps, boolean trajectory) {
        int stepSize = trajectory ? actual.length / Math.max(steps, 1) : Math.max(actual.length, 1);
        double[] stepLinf = trajectory ? new double[steps] : null;
        List<String> stepSha = trajectory ? new ArrayList<>() : null;
        MessageDigest whole = sha256();
        MessageDigest step = trajectory ? sha256() : null;
        ByteBuffer bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        double linf = 0;
        double goldenMax = 0;
        long nonFinite = 0;
        for (int i = 0; i < actual.length; i++) {
            float a = actual[i];
            float g = golden[i];
            double d = Math.abs((double) a - (double) g);
            if (Float.isInfinite(a) && a == g) {
                d = 0;
            } else if (!Double.isFinite(d)) {
                nonFinite++;
                d = 0;
            }
            linf = Math.max(linf, d);
            if (Float.isFinite(g)) {
                goldenMax = Math.max(goldenMax, Math.abs(g));
            }
            bytes.clear();
            bytes.putInt(Float.floatToRawIntBits(a));
            whole.update(bytes.array());
            if (trajectory) {
                int s = i / stepSize;
                stepLinf[s] = Math.max(stepLinf[s], d);
                step.update(bytes.array());
                if ((i + 1) % stepSize == 0) {
                    stepSha.add(HexFormat.of().formatHex(step.digest()));
                }
            }
        }
        return new Spread(linf, goldenMax, stepLinf, HexFormat.of().formatHex(whole.digest()), stepSha, nonFinite);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JVM has SHA-256", e);
        }
    }

    /** The number of elements outside tolerance, with nothing else computed. */
    static long countMismatches(float[] actual, float[] golden, double atol, double rtol) {
        return countMismatches(actual, golden, 0, actual.length, atol, rtol);
    }

    static long countMismatches(float[] actual, float[] golden, int from, int to, double atol, double rtol) {
        return LANES ? ComparisonLanes.countMismatches(actual, golden, from, to, (float) atol, (float) rtol)
                : countMismatchesScalar(actual, golden, from, to, atol, rtol);
    }

    static long countMismatchesScalar(float[] actual, float[] golden, int from, int to, double atol, double rtol) {
        long mismatched = 0;
        float fatol = (float) atol;
        float frtol = (float) rtol;
        for (int i = from; i < to; i++) {
            mismatched += close(actual[i], golden[i], fatol, frtol) ? 0 : 1;
        }
        return mismatched;
    }

    /** The verdict, L-infinity and tolerance used, in one pass. */
    static Summary summarize(float[] actual, float[] golden, double atol, double rtol) {
        return summarize(actual, golden, 0, actual.length, atol, rtol);
    }

    static Summary summarize(float[] actual, float[] golden, int from, int to, double atol, double rtol) {
        return summarize(actual, from, golden, from, to - from, atol, rtol);
    }

    /** {@code actual[actualFrom ...]} against {@code golden[goldenFrom ...]}, {@code length} elements. */
    static Summary summarize(float[] actual, int actualFrom, float[] golden, int goldenFrom, int length, double atol,
                             double rtol) {
        return LANES ? ComparisonLanes.summarize(actual, actualFrom, golden, goldenFrom, length, (float) atol,
                (float) rtol) : summarizeScalar(actual, actualFrom, golden, goldenFrom, length, (float) atol,
                (float) rtol);
    }

    /**
     * {@link #summarize} one element at a time, in the float operations of the lanes: the maximum difference rises
     * only where {@code diff > linf} (a NaN difference never raises it), and the share is divided out where
     * {@code diff > used * allowed}.
     */
    static Summary summarizeScalar(float[] actual, int actualFrom, float[] golden, int goldenFrom, int length,
                                   float atol, float rtol) {
        long mismatched = 0;
        float linf = 0;
        float used = 0;
        for (int i = 0; i < length; i++) {
            float a = actual[actualFrom + i];
            float g = golden[goldenFrom + i];
            float diff = Math.abs(a - g);
            float allowed = Math.abs(g) * rtol + atol;
            mismatched += close(a, g, atol, rtol) ? 0 : 1;
            linf = diff > linf ? diff : linf;
            if (diff > used * allowed) {
                used = Math.max(used, diff / allowed);
            }
        }
        return Summary.of(mismatched, linf, used);
    }

    /**
     * The rule for one element, in float32 as torch evaluates it for float32 tensors. Branch-free ({@code &} and
     * {@code |}, not {@code &&} and {@code ||}), so that the JIT keeps the loop tight. NaN fails; equal infinities
     * pass; an infinite golden allows nothing else (rtol times infinity would allow anything).
     */
    static boolean close(float a, float g, float atol, float rtol) {
        float absG = Math.abs(g);
        return (Math.abs(a - g) <= atol + rtol * absG & absG != Float.POSITIVE_INFINITY) | a == g;
    }

    /** Every statistic a failure message reports, in one pass. */
    static Result compare(float[] actual, float[] golden, double atol, double rtol) {
        long mismatched = 0;
        double maxAbs = 0;
        double maxRel = 0;
        int maxAbsIndex = -1;
        int maxRelIndex = -1;
        int firstNonFinite = -1;
        long nonFiniteActual = 0;
        long nonFiniteGolden = 0;
        double dot = 0;
        double actualNorm = 0;
        double goldenNorm = 0;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double g = golden[i];
            boolean close = close(actual[i], golden[i], (float) atol, (float) rtol);
            mismatched += close ? 0 : 1;
            nonFiniteActual += Double.isFinite(a) ? 0 : 1;
            nonFiniteGolden += Double.isFinite(g) ? 0 : 1;
            dot += a * g;
            actualNorm += a * a;
            goldenNorm += g * g;
            if (!Double.isFinite(a) || !Double.isFinite(g)) {
                firstNonFinite = firstNonFinite < 0 && !close ? i : firstNonFinite;
                continue;   // no difference to rank: inf - inf is NaN, NaN - x is NaN
            }
            double abs = Math.abs(a - g);
            double rel = abs == 0 ? 0 : abs / Math.abs(g);
            if (abs > maxAbs || maxAbsIndex < 0) {
                maxAbs = abs;
                maxAbsIndex = i;
            }
            if (rel > maxRel || maxRelIndex < 0) {
                maxRel = rel;
                maxRelIndex = i;
            }
        }
        return new Result(mismatched, actual.length, maxAbs, maxAbsIndex, maxRel, maxRelIndex,
                cosineDistance(dot, actualNorm, goldenNorm), firstNonFinite, nonFiniteActual, nonFiniteGolden);
    }

    /** The per-step statistics of a trajectory of {@code steps} equal slices, steps first. */
    static Steps steps(float[] actual, float[] golden, int steps, double atol, double rtol) {
        int size = actual.length / steps;
        double[] linf = new double[steps];
        int first = -1;
        for (int step = 0; step < steps; step++) {
            Summary summary = summarize(actual, golden, step * size, (step + 1) * size, atol, rtol);
            linf[step] = summary.linf();
            first = first < 0 && !summary.passed() ? step : first;
        }
        return new Steps(linf, first);
    }

    /** The number of elements that are NaN or infinite, and the first one's index (-1 if none). */
    static long[] nonFinite(float[] values) {
        long count = 0;
        long first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                first = first < 0 ? i : first;
                count++;
            }
        }
        return new long[] {count, first};
    }

    /** The first element whose bits differ (identical runs reproduce even NaN payloads), or -1. */
    static int firstBitDifference(float[] first, float[] second) {
        for (int i = 0; i < first.length; i++) {
            if (Float.floatToRawIntBits(first[i]) != Float.floatToRawIntBits(second[i])) {
                return i;
            }
        }
        return -1;
    }

    private static double cosineDistance(double dot, double actualNorm, double goldenNorm) {
        if (actualNorm == 0 && goldenNorm == 0) {
            return 0;
        }
        if (actualNorm == 0 || goldenNorm == 0) {
            return 1;
        }
        return 1 - dot / (Math.sqrt(actualNorm) * Math.sqrt(goldenNorm));
    }
}
