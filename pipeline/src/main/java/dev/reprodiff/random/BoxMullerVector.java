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

    static void fill16(float[] data, int offset) {
        FloatVector u1 = ONE.sub(FloatVector.fromArray(F8, data, offset));
        FloatVector u2 = FloatVector.fromArray(F8, data, offset + 8);
        FloatVector radius = MINUS_TWO.mul(log(u1)).sqrt();
        FloatVector theta = u2.mul(BoxMullerAvx2.TWO_PI);
        FloatVector[] sinCos = sinCos(theta);
        radius.mul(sinCos[1]).fma(ONE, ZERO).intoArray(data, offset);
        radius.mul(sinCos[0]).fma(ONE, ZERO).intoArray(data, offset + 8);
    }

    static FloatVector log(FloatVector x) {
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
        FloatVector y = FloatVector.broadcast(F8, BoxMullerAvx2.LOG_P0).fma(x, broadcast(BoxMullerAvx2.LOG_P1));
        y = y.fma(x, broadcast(BoxMullerAvx2.LOG_P2));
        y = y.fma(x, broadcast(BoxMullerAvx2.LOG_P3));
        y = y.fma(x, broadcast(BoxMullerAvx2.LOG_P4));
        y = y.fma(x, broadcast(BoxMullerAvx2.LOG_P5));
        y = y.fma(x, broadcast(BoxMullerAvx2.LOG_P6));
        y = y.fma(x, broadcast(BoxMullerAvx2.LOG_P7));
        y = y.fma(x, broadcast(BoxMullerAvx2.LOG_P8));
        y = y.mul(x);
        y = y.fma(z, e.mul(BoxMullerAvx2.LOG_Q1));
        y = z.neg().fma(HALF, y);
        x = x.add(y);
        x = e.fma(broadcast(BoxMullerAvx2.LOG_Q2), x);
        return x.blend(Float.NaN, invalid);
    }

    /** {sine, cosine} of {@code x}. */
    static FloatVector[] sinCos(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector signSin = bits.and(BoxMullerAvx2.SIGN_MASK);
        x = bits.and(~BoxMullerAvx2.SIGN_MASK).reinterpretAsFloats();

        FloatVector y = x.mul(BoxMullerAvx2.FOUR_OVER_PI);
        IntVector j = (IntVector) y.convert(VectorOperators.F2I, 0);
        j = j.add(1).and(~1);
        y = (FloatVector) j.convert(VectorOperators.I2F, 0);
        IntVector swapSignSin = j.and(4).lanewise(VectorOperators.LSHL, 29);
        VectorMask<Float> firstPolynomialForSin = j.and(2).compare(VectorOperators.EQ, 0).cast(F8);
        IntVector signCos = j.sub(2).not().and(4).lanewise(VectorOperators.LSHL, 29);
        signSin = signSin.lanewise(VectorOperators.XOR, swapSignSin);

        x = y.fma(broadcast(BoxMullerAvx2.MINUS_DP1), x);
        x = y.fma(broadcast(BoxMullerAvx2.MINUS_DP2), x);
        x = y.fma(broadcast(BoxMullerAvx2.MINUS_DP3), x);

        FloatVector z = x.mul(x);
        FloatVector c = FloatVector.broadcast(F8, BoxMullerAvx2.COS_P0).fma(z, broadcast(BoxMullerAvx2.COS_P1));
        c = c.fma(z, broadcast(BoxMullerAvx2.COS_P2));
        c = c.mul(z);
        c = c.fma(z, z.mul(HALF).neg());
        c = c.add(ONE);

        FloatVector s = FloatVector.broadcast(F8, BoxMullerAvx2.SIN_P0).fma(z, broadcast(BoxMullerAvx2.SIN_P1));
        s = s.fma(z, broadcast(BoxMullerAvx2.SIN_P2));
        s = s.mul(z);
        s = s.fma(x, x);

        FloatVector sinFromS = ZERO.blend(s, firstPolynomialForSin);
        FloatVector sinFromC = c.blend(ZERO, firstPolynomialForSin);
        s = s.sub(sinFromS);
        c = c.sub(sinFromC);
        FloatVector sin = sinFromC.add(sinFromS);
        FloatVector cos = c.add(s);
        return new FloatVector[] {
            sin.reinterpretAsInts().lanewise(VectorOperators.XOR, signSin).reinterpretAsFloats(),
            cos.reinterpretAsInts().lanewise(VectorOperators.XOR, signCos).reinterpretAsFloats()
        };
    }

    private static FloatVector broadcast(float value) {
        return FloatVector.broadcast(F8, value);
    }
}
