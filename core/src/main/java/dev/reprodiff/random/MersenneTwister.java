package dev.reprodiff.random;

import java.util.Arrays;

/**
 * The 32-bit Mersenne Twister (MT19937) exactly as PyTorch's CPU generator runs it: seeded from the low 32 bits of
 * the seed with Knuth's multiplier, twisted lazily when the 624 words are used up.
 */
final class MersenneTwister {

    static final int N = 624;
    static final int M = 397;
    static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private static final float FLOAT_UNIFORM_SCALE = 1.0f / (1 << 24);

    /** Whether the twist and tempering run on eight-lane vectors, as the Box-Muller kernel does. */
    private static final boolean VECTOR_LANES = Generator.usesVectorLanes();

    private final int[] state;
    private int left;
    private int next;

    MersenneTwister(long seed) {
        state = new int[N];
        state[0] = (int) seed; // torch keys the stream on the low 32 bits
        for (int j = 1; j < N; j++) {
            state[j] = 1812433253 * (state[j - 1] ^ (state[j - 1] >>> 30)) + j;
        }
        left = 1;
        next = 0;
    }

    private MersenneTwister(int[] state, int left, int next) {
        this.state = state;
        this.left = left;
        this.next = next;
    }

    static MersenneTwister restore(int[] state, int left, int next) {
        boolean freshlySeeded = left == 1 && next == 0;
        if (state.length != N || !(freshlySeeded || (left >= 1 && next >= 1 && left + next == N + 1))) {
            throw new IllegalArgumentException("A Mersenne Twister state has " + N + " words and a read position"
                    + " with left + next = " + (N + 1) + " (or left 1, next 0 when freshly seeded); found "
                    + state.length + " words, left " + left + ", next " + next);
        }
        return new MersenneTwister(state.clone(), left, next);
    }

    MersenneTwister copy() {
        return new MersenneTwister(state.clone(), left, next);
    }

    int[] words() {
        return state.clone();
    }

    int left() {
        return left;
    }

    int next() {
        return next;
    }

    /** The next tempered 32-bit output, as an unsigned value in an int. */
    int nextInt() {
        if (--left == 0) {
            twist();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /**
     * Fills {@code out[from..to)} with torch's float32 uniforms, one output each: its low 24 bits times 2^-24.
     * Same numbers and state as {@code to - from} calls of {@link #nextInt()}, eight at a time where
     * {@link Generator#usesVectorLanes()}.
     */
    void fillUniformFloats(float[] out, int from, int to) {
        int i = from;
        while (i < to) {
            if (left == 1) {
                twist();
                left = N + 1; // the N words of the new block are all unread
            }
            int count = Math.min(left - 1, to - i);
            int start = next;
            int j = VECTOR_LANES ? MersenneTwisterVector.uniformFloats(state, start, out, i, count) : 0;
            uniformFloats(state, start + j, out, i + j, count - j);
            next += count;
            left -= count;
            i += count;
        }
    }

    /** Two outputs joined as torch's {@code random64()} does: the first is the high word. */
    long nextLong() {
        long hi = nextInt() & 0xffffffffL;
        long lo = nextInt() & 0xffffffffL;
        return (hi << 32) | lo;
    }

    private void twist() {
        left = N;
        next = 0;
        if (VECTOR_LANES) {
            MersenneTwisterVector.twist(state, N, M, MATRIX_A);
        } else {
            twist(state);
        }
    }

    /** The float32 uniforms of words {@code state[start..start + count)}, written to {@code out[at..)}. */
    static void uniformFloats(int[] state, int start, float[] out, int at, int count) {
        for (int j = 0; j < count; j++) {
            int y = state[start + j];
            y ^= y >>> 11;
            y ^= (y << 7) & 0x9d2c5680;
            y ^= (y << 15) & 0xefc60000;
            y ^= y >>> 18;
            out[at + j] = (y & 0xffffff) * FLOAT_UNIFORM_SCALE;
        }
    }

    /** Regenerates the {@code N} words of {@code state}, MT19937's twist. */
    static void twist(int[] state) {
        int j = 0;
        for (; j < N - M; j++) {
            state[j] = state[j + M] ^ mix(state[j], state[j + 1]);
        }
        for (; j < N - 1; j++) {
            state[j] = state[j + M - N] ^ mix(state[j], state[j + 1]);
        }
        state[N - 1] = state[M - 1] ^ mix(state[N - 1], state[0]);
    }

    static int mix(int u, int v) {
        int y = (u & UPPER_MASK) | (v & LOWER_MASK);
        return (y >>> 1) ^ ((v & 1) != 0 ? MATRIX_A : 0);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MersenneTwister that
                && left == that.left && next == that.next && Arrays.equals(state, that.state);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(state) + left * 7 + next;
    }
}
