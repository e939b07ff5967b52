package dev.reprodiff.random;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MersenneTwister}'s twist, tempering and float32 scaling on eight-lane vectors: the same words and bits as
 * its scalar loops, which the JIT leaves scalar. Used only where {@link BoxMullerVector} is.
 */
final class MersenneTwisterVector {

    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    private MersenneTwisterVector() {
    }

    /**
     * Regenerates all {@code N} words as {@code MersenneTwister.twist} does. Each vector reads words that the scalar
     * loop would also read before or after writing them in the same order: the first loop reads ahead of what it
     * writes, the second reads {@code N - M} words behind.
     */
    static void twist(int[] state, int n, int m, int matrixA) {
        int j = 0;
        for (; j + 8 <= n - m; j += 8) {
            IntVector.fromArray(I8, state, j + m).lanewise(VectorOperators.XOR, mix(state, j, matrixA))
                    .intoArray(state, j);
        }
        for (; j < n - m; j++) {
            state[j] = state[j + m] ^ MersenneTwister.mix(state[j], state[j + 1]);
        }
        for (; j + 8 <= n - 1; j += 8) {
            IntVector.fromArray(I8, state, j + m - n).lanewise(VectorOperators.XOR, mix(state, j, matrixA))
                    .intoArray(state, j);
        }
        for (; j < n - 1; j++) {
            state[j] = state[j + m - n] ^ MersenneTwister.mix(state[j], state[j + 1]);
        }
        state[n - 1] = state[m - 1] ^ MersenneTwister.mix(state[n - 1], state[0]);
    }

    private static IntVector mix(int[] state, int j, int matrixA) {
        IntVector u = IntVector.fromArray(I8, state, j);
        IntVector v = IntVector.fromArray(I8, state, j + 1);
        IntVector y = u.and(0x80000000).or(v.and(0x7fffffff));
        return y.lanewise(VectorOperators.LSHR, 1).lanewise(VectorOperators.XOR, v.and(1).neg().and(matrixA));
    }

    /**
     * Writes the float32 uniforms of words {@code state[start..start + count)} to {@code out[at..)}, eight at a time,
     * and returns how many it wrote (a multiple of 8); the caller tempers the rest.
     */
    static int uniformFloats(int[] state, int start, float[] out, int at, int count) {
        int done = 0;
        for (; done + 8 <= count; done += 8) {
            IntVector y = IntVector.fromArray(I8, state, start + done);
            y = y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHR, 11));
            y = y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHL, 7).and(0x9d2c5680));
            y = y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHL, 15).and(0xefc60000));
            y = y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHR, 18));
            ((FloatVector) y.and(0xffffff).convert(VectorOperators.I2F, 0)).mul(0x1p-24f).intoArray(out, at + done);
        }
        return done;
    }
}
