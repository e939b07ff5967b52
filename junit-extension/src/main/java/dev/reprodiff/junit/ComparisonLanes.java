package dev.reprodiff.junit;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link TensorComparison#close} on vector lanes: the same float operations in the same order (no fused multiply-add),
 * so the same verdict for every element. Used only when the JVM runs with {@code --add-modules jdk.incubator.vector}.
 */
final class ComparisonLanes {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector INFINITY = FloatVector.broadcast(SPECIES, Float.POSITIVE_INFINITY);
    private static final FloatVector ZERO = FloatVector.zero(SPECIES);

    private ComparisonLanes() {
    }

    /** Whether this JVM has the incubating vector module and vectors of at least four floats. */
    static boolean isUsable() {
        try {
            return SPECIES.length() >= 4;
        } catch (LinkageError e) {
            return false;
        }
    }

    static long countMismatches(float[] actual, float[] golden, int from, int to, float atol, float rtol) {
        FloatVector atols = FloatVector.broadcast(SPECIES, atol);
        FloatVector rtols = FloatVector.broadcast(SPECIES, rtol);
        boolean exact = atol == 0 && rtol == 0;
        long mismatched = 0;
        int i = from;
        for (int bound = from + SPECIES.loopBound(to - from); i < bound; i += SPECIES.length()) {
            FloatVector a = FloatVector.fromArray(SPECIES, actual, i);
            FloatVector g = FloatVector.fromArray(SPECIES, golden, i);
            VectorMask<Float> close = a.compare(VectorOperators.EQ, g);
            if (!exact) {
                FloatVector absG = g.abs();
                FloatVector allowed = absG.mul(rtols).add(atols);
                close = a.sub(g).abs().compare(VectorOperators.LE, allowed)
                        .and(absG.compare(VectorOperators.NE, INFINITY)).or(close);
            }
            mismatched += SPECIES.length() - close.trueCount();
        }
        for (; i < to; i++) {
            boolean close = exact ? actual[i] == golden[i] : TensorComparison.close(actual[i], golden[i], atol, rtol);
            mismatched += close ? 0 : 1;
        }
        return mismatched;
    }

    /**
     * {@link TensorComparison#summarize} on lanes: the verdict of every element, the largest difference and the
     * largest share of the allowance, in one pass. The maxima rise in few places (records of a random walk), so the
     * lanes only test each element against the maxima so far ({@code diff > linf}, {@code diff > used * allowed}) and
     * the rare vector that beats one is taken element by element, in the scalar path's float operations. No
     * {@code blend} or {@code max} on every vector: in a JVM that also runs other vector code, C2 left those to the
     * Vector API's slow Java fallbacks. A NaN difference (a NaN element, or equal infinities) never raises a maximum,
     * as on the scalar path.
     */
    static TensorComparison.Summary summarize(float[] actual, int actualFrom, float[] golden, int goldenFrom,
                                              int length, float atol, float rtol) {
        FloatVector atols = FloatVector.broadcast(SPECIES, atol);
        FloatVector rtols = FloatVector.broadcast(SPECIES, rtol);
        long mismatched = 0;
        float linf = 0;
        float used = 0;
        FloatVector linfs = ZERO;
        FloatVector useds = ZERO;
        int i = 0;
        for (int bound = SPECIES.loopBound(length); i < bound; i += SPECIES.length()) {
            FloatVector a = FloatVector.fromArray(SPECIES, actual, actualFrom + i);
            FloatVector g = FloatVector.fromArray(SPECIES, golden, goldenFrom + i);
            FloatVector absG = g.abs();
            FloatVector allowed = absG.mul(rtols).add(atols);
            FloatVector diff = a.sub(g).abs();
            VectorMask<Float> close = diff.compare(VectorOperators.LE, allowed)
                    .and(absG.compare(VectorOperators.NE, INFINITY)).or(a.compare(VectorOperators.EQ, g));
            mismatched += SPECIES.length() - close.trueCount();
            if (diff.compare(VectorOperators.GT, linfs).or(diff.compare(VectorOperators.GT, useds.mul(allowed)))
                    .anyTrue()) {
                for (int k = i; k < i + SPECIES.length(); k++) {
                    float d = Math.abs(actual[actualFrom + k] - golden[goldenFrom + k]);
                    float allowedHere = Math.abs(golden[goldenFrom + k]) * rtol + atol;
                    linf = d > linf ? d : linf;
                    used = d > used * allowedHere ? Math.max(used, d / allowedHere) : used;
                }
                linfs = FloatVector.broadcast(SPECIES, linf);
                useds = FloatVector.broadcast(SPECIES, used);
            }
        }
        TensorComparison.Summary tail = TensorComparison.summarizeScalar(actual, actualFrom + i, golden,
                goldenFrom + i, length - i, atol, rtol);
        return TensorComparison.Summary.of(mismatched + tail.mismatched(), Math.max(linf, tail.linf()),
                Math.max(used, tail.used()));
    }
}
