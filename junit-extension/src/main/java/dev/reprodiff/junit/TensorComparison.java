package dev.reprodiff.junit;

/**
 * Element-wise comparison of two float32 tensors under {@code |actual - golden| <= atol + rtol * |golden|}, as
 * {@code torch.testing.assert_close} checks it (NaN never matches; infinities match only themselves).
 */
final class TensorComparison {

    /** Whether the fast path runs on vector lanes ({@code --add-modules jdk.incubator.vector}); same verdicts. */
    static final boolean LANES = !Boolean.getBoolean("reprodiff.comparison.scalar")
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && ComparisonLanes.isUsable();

    private TensorComparison() {
    }

    /** What a failure message reports; an index is -1 where every difference was NaN. */
    record Result(long mismatched, long total, double maxAbs, int maxAbsIndex, double maxRel, int maxRelIndex,
                  double cosineDistance) {
    }

    /** The number of elements outside tolerance: the fast path, with nothing else computed. */
    static long countMismatches(float[] actual, float[] golden, double atol, double rtol) {
        return countMismatches(actual, golden, 0, actual.length, atol, rtol);
    }

    static long countMismatches(float[] actual, float[] golden, int from, int to, double atol, double rtol) {
        return LANES ? ComparisonLanes.countMismatches(actual, golden, from, to, (float) atol, (float) rtol)
                : countMismatchesScalar(actual, golden, from, to, atol, rtol);
    }

    static long countMismatchesScalar(float[] actual, float[] golden, int from, int to, double atol, double rtol) {
        long mismatched = 0;
        if (atol == 0 && rtol == 0) {
            for (int i = from; i < to; i++) {
                mismatched += actual[i] == golden[i] ? 0 : 1;
            }
            return mismatched;
        }
        float fatol = (float) atol;
        float frtol = (float) rtol;
        for (int i = from; i < to; i++) {
            mismatched += close(actual[i], golden[i], fatol, frtol) ? 0 : 1;
        }
        return mismatched;
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
        double dot = 0;
        double actualNorm = 0;
        double goldenNorm = 0;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double g = golden[i];
            double abs = a == g ? 0 : Math.abs(a - g);
            double rel = abs == 0 ? 0 : abs / Math.abs(g);
            if (!close(actual[i], golden[i], (float) atol, (float) rtol)) {
                mismatched++;
            }
            if (abs > maxAbs || (maxAbsIndex < 0 && abs == 0)) {
                maxAbs = abs;
                maxAbsIndex = i;
            }
            if (rel > maxRel || (maxRelIndex < 0 && rel == 0)) {
                maxRel = rel;
                maxRelIndex = i;
            }
            dot += a * g;
            actualNorm += a * a;
            goldenNorm += g * g;
        }
        return new Result(mismatched, actual.length, maxAbs, maxAbsIndex, maxRel, maxRelIndex,
                cosineDistance(dot, actualNorm, goldenNorm));
    }

    /** L-infinity of the difference of each of {@code steps} equal slices (a trajectory, steps first). */
    static double[] stepLinf(float[] actual, float[] golden, int steps) {
        int size = actual.length / steps;
        double[] linf = new double[steps];
        for (int step = 0; step < steps; step++) {
            for (int i = step * size; i < (step + 1) * size; i++) {
                double diff = actual[i] == golden[i] ? 0 : Math.abs((double) actual[i] - golden[i]);
                if (Double.isNaN(diff)) {
                    linf[step] = diff;
                    break;
                }
                linf[step] = Math.max(linf[step], diff);
            }
        }
        return linf;
    }

    /** The first step with an element outside tolerance, or -1. */
    static int firstStepOutOfTolerance(float[] actual, float[] golden, int steps, double atol, double rtol) {
        int size = actual.length / steps;
        for (int step = 0; step < steps; step++) {
            if (countMismatches(actual, golden, step * size, (step + 1) * size, atol, rtol) > 0) {
                return step;
            }
        }
        return -1;
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
