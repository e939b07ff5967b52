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
}
