package dev.reprodiff.random;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable snapshot of a {@link Generator}: the seed, the 624 Mersenne Twister words with their read position,
 * and the cached second Box-Muller sample. {@link #toBytes()} and {@link #fromBytes(byte[])} store it, for example
 * next to a golden, so that a failing run can be replayed from the middle.
 */
public record GeneratorState(long initialSeed, int[] words, int left, int next, boolean hasNextNormal,
                             double nextNormal) {

    private static final int MAGIC = 0x52444753; // "RDGS"
    private static final int VERSION = 1;
    /** Size of {@link #toBytes()}: magic, version, seed, 624 words, left, next, flag, cached sample. */
    public static final int BYTES = 4 + 4 + 8 + MersenneTwister.N * 4 + 4 + 4 + 1 + 8;

    public GeneratorState {
        words = words.clone();
        MersenneTwister.restore(words, left, next); // validates
    }

    @Override
    public int[] words() {
        return words.clone();
    }

    /** The snapshot as {@value #BYTES} little-endian bytes. */
    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC).putInt(VERSION).putLong(initialSeed);
        for (int word : words) {
            buffer.putInt(word);
        }
        buffer.putInt(left).putInt(next).put((byte) (hasNextNormal ? 1 : 0)).putDouble(nextNormal);
        return buffer.array();
    }

    /** Reads bytes written by {@link #toBytes()}; anything else is rejected with the reason. */
    public static GeneratorState fromBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("A generator state has " + BYTES + " bytes; found " + bytes.length
                    + ". Was it written by GeneratorState.toBytes()?");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buffer.getInt();
        int version = buffer.getInt();
        if (magic != MAGIC || version != VERSION) {
            throw new IllegalArgumentException(String.format(
                    "Not a generator state of version %d: found magic 0x%08x, version %d (expected 0x%08x)",
                    VERSION, magic, version, MAGIC));
        }
        long seed = buffer.getLong();
        int[] words = new int[MersenneTwister.N];
        for (int i = 0; i < words.length; i++) {
            words[i] = buffer.getInt();
        }
        int left = buffer.getInt();
        int next = buffer.getInt();
        byte flag = buffer.get();
        if (flag != 0 && flag != 1) {
            throw new IllegalArgumentException("Corrupt generator state: cached-sample flag is " + flag
                    + ", expected 0 or 1");
        }
        return new GeneratorState(seed, words, left, next, flag == 1, buffer.getDouble());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GeneratorState that
                && initialSeed == that.initialSeed && left == that.left && next == that.next
                && hasNextNormal == that.hasNextNormal
                && Double.doubleToRawLongBits(nextNormal) == Double.doubleToRawLongBits(that.nextNormal)
                && Arrays.equals(words, that.words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words) * 31 + Long.hashCode(initialSeed);
    }

    @Override
    public String toString() {
        return "GeneratorState(initialSeed=" + Long.toUnsignedString(initialSeed) + ", position=" + (MersenneTwister.N - left)
                + (hasNextNormal ? ", cached normal " + nextNormal : "") + ")";
    }
}
