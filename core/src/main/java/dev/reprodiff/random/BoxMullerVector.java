package dev.reprodiff.random;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BoxMullerAvx2} on eight-lane vectors: the same operations in the same order, so the same bits, at the
 * speed of the AVX2 kernel it mirrors. Used only when the JVM runs with {@code --add-modules jdk.incubator.vector}
 * and has 256-bit vectors; otherwise the scalar lanes run.
 */
final class BoxMullerVector {

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private static final FloatVector ZERO = FloatVector.zero(F8);
    private static final FloatVector ONE = FloatVector.broadcast(F8, 1.0f);
    private static final FloatVector MINUS_TWO = FloatVector.broadcast(F8, -2.0f);
    private static final FloatVector HALF = FloatVector.broadcast(F8, 0.5f);
    private static final FloatVector TWO_POW_23 = FloatVector.broadcast(F8, 0x1p23f);
    private static final int TWO_POW_23_BITS = Float.floatToRawIntBits(0x1p23f);
    private static final FloatVector LOG_P0 = broadcast(BoxMullerAvx2.LOG_P0);
    private static final FloatVector LOG_P1 = broadcast(BoxMullerAvx2.LOG_P1);
    private static final FloatVector LOG_P2 = broadcast(BoxMullerAvx2.LOG_P2);
    private static final FloatVector LOG_P3 = broadcast(BoxMullerAvx2.LOG_P3);
    private static final FloatVector LOG_P4 = broadcast(BoxMullerAvx2.LOG_P4);
    private static final FloatVector LOG_P5 = broadcast(BoxMullerAvx2.LOG_P5);
    private static final FloatVector LOG_P6 = broadcast(BoxMullerAvx2.LOG_P6);
    private static final FloatVector LOG_P7 = broadcast(BoxMullerAvx2.LOG_P7);
    private static final FloatVector LOG_P8 = broadcast(BoxMullerAvx2.LOG_P8);
    private static final FloatVector LOG_Q2 = broadcast(BoxMullerAvx2.LOG_Q2);
    private static final FloatVector MINUS_DP1 = broadcast(BoxMullerAvx2.MINUS_DP1);
    private static final FloatVector MINUS_DP2 = broadcast(BoxMullerAvx2.MINUS_DP2);
    private static final FloatVector MINUS_DP3 = broadcast(BoxMullerAvx2.MINUS_DP3);
    private static final FloatVector COS_P0 = broadcast(BoxMullerAvx2.COS_P0);
    private static final FloatVector COS_P1 = broadcast(BoxMullerAvx2.COS_P1);
    private static final FloatVector COS_P2 = broadcast(BoxMullerAvx2.COS_P2);
    private static final FloatVector SIN_P0 = broadcast(BoxMullerAvx2.SIN_P0);
    private static final FloatVector SIN_P1 = broadcast(BoxMullerAvx2.SIN_P1);
    private static final FloatVector SIN_P2 = broadcast(BoxMullerAvx2.SIN_P2);

    private BoxMullerVector() {
    }

    /** Whether this JVM has the incubating vector module and 256-bit float vectors. */
    static boolean isUsable() {
        try {
            return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
        } catch (LinkageError e) {
            return false;
        }
    }

    /**
     * {@link BoxMullerAvx2#fill16} on vectors. One method on purpose: a vector that crosses a call the JIT does not
     * inline is boxed on the heap, which costs more than the arithmetic, so log and sine/cosine are written inline.
     */
    static void fill16(float[] data, int offset) {
        // radius = sqrt(-2 log(1 - u)) for the first eight uniforms (log: see BoxMullerAvx2.log)
        FloatVector x = ONE.sub(FloatVector.fromArray(F8, data, offset));
        VectorMask<Float> invalid = x.compare(VectorOperators.LE, 0.0f);
        x = x.max(BoxMullerAvx2.MIN_NORM_POS);
        IntVector bits = x.reinterpretAsInts();
        IntVector exponent = bits.lanewise(VectorOperators.LSHR, 23).sub(0x7f);
        x = bits.and(BoxMullerAvx2.INV_MANT_MASK).or(BoxMullerAvx2.HALF_BITS).reinterpretAsFloats();
        FloatVector e = ((FloatVector) exponent.convert(VectorOperators.I2F, 0)).add(ONE);
        VectorMask<Float> below = x.compare(VectorOperators.LT, BoxMullerAvx2.SQRTHF);
        FloatVector tmp = ZERO.blend(x, below);
        x = x.sub(ONE);
        e = e.sub(ZERO.blend(ONE, below));
        x = x.add(tmp);
        FloatVector z = x.mul(x);
        FloatVector y = LOG_P0.fma(x, LOG_P1);
        y = y.fma(x, LOG_P2);
        y = y.fma(x, LOG_P3);
        y = y.fma(x, LOG_P4);
        y = y.fma(x, LOG_P5);
        y = y.fma(x, LOG_P6);
        y = y.fma(x, LOG_P7);
        y = y.fma(x, LOG_P8);
        y = y.mul(x);
        y = y.fma(z, e.mul(BoxMullerAvx2.LOG_Q1));
        y = z.neg().fma(HALF, y);
        x = x.add(y);
        x = e.fma(LOG_Q2, x);
        FloatVector log = x.blend(Float.NaN, invalid);
        FloatVector radius = MINUS_TWO.mul(log).sqrt();

        // theta = 2 pi u for the second eight uniforms, then its sine and cosine (see BoxMullerAvx2.sinCos)
        FloatVector theta = FloatVector.fromArray(F8, data, offset + 8).mul(BoxMullerAvx2.TWO_PI);
        bits = theta.reinterpretAsInts();
        IntVector signSin = bits.and(BoxMullerAvx2.SIGN_MASK);
        x = bits.and(~BoxMullerAvx2.SIGN_MASK).reinterpretAsFloats();
        y = x.mul(BoxMullerAvx2.FOUR_OVER_PI);
        // (int) y without F2I, which JDK 17 cannot compile to a vector instruction on AVX2 (it boxes every vector and
        // costs more than the rest of the kernel): 0 <= y <= 8 here, so y + 2^23 rounds y to an integer held in
        // the low mantissa bits, and one less where that rounded up gives the truncation.
        FloatVector rounded = y.add(TWO_POW_23).sub(TWO_POW_23);
        FloatVector truncated = rounded.sub(ZERO.blend(ONE, rounded.compare(VectorOperators.GT, y)));
        IntVector j = truncated.add(TWO_POW_23).reinterpretAsInts().sub(TWO_POW_23_BITS);
        j = j.add(1).and(~1);
        y = (FloatVector) j.convert(VectorOperators.I2F, 0);
        IntVector swapSignSin = j.and(4).lanewise(VectorOperators.LSHL, 29);
        VectorMask<Float> firstPolynomialForSin = j.and(2).compare(VectorOperators.EQ, 0).cast(F8);
        IntVector signCos = j.sub(2).not().and(4).lanewise(VectorOperators.LSHL, 29);
        signSin = signSin.lanewise(VectorOperators.XOR, swapSignSin);
        x = y.fma(MINUS_DP1, x);
        x = y.fma(MINUS_DP2, x);
        x = y.fma(MINUS_DP3, x);
        z = x.mul(x);
        FloatVector c = COS_P0.fma(z, COS_P1);
        c = c.fma(z, COS_P2);
        c = c.mul(z);
        c = c.fma(z, z.mul(HALF).neg());
        c = c.add(ONE);
        FloatVector s = SIN_P0.fma(z, SIN_P1);
        s = s.fma(z, SIN_P2);
        s = s.mul(z);
        s = s.fma(x, x);
        FloatVector sinFromS = ZERO.blend(s, firstPolynomialForSin);
        FloatVector sinFromC = c.blend(ZERO, firstPolynomialForSin);
        s = s.sub(sinFromS);
        c = c.sub(sinFromC);
        FloatVector sin = sinFromC.add(sinFromS).reinterpretAsInts()
                .lanewise(VectorOperators.XOR, signSin).reinterpretAsFloats();
        FloatVector cos = c.add(s).reinterpretAsInts().lanewise(VectorOperators.XOR, signCos).reinterpretAsFloats();

        // fma(n, std = 1, mean = 0) as PyTorch stores them: n + 0 turns -0 into +0
        radius.mul(cos).add(ZERO).intoArray(data, offset);
        radius.mul(sin).add(ZERO).intoArray(data, offset + 8);
    }

    private static FloatVector broadcast(float value) {
        return FloatVector.broadcast(F8, value);
    }
}
