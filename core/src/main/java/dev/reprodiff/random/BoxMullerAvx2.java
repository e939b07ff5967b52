package dev.reprodiff.random;

/**
 * The single-precision logarithm and sine/cosine that PyTorch's AVX2 normal kernel uses (Cephes polynomials in the
 * "avx_mathfun" arrangement), evaluated lane by lane in the same operation order so that every rounding matches.
 * Java never fuses a multiply and an add on its own, so each line below rounds exactly where the vector code does.
 */
final class BoxMullerAvx2 {

    static final float TWO_PI = (float) (2.0 * Math.PI);

    static final float MIN_NORM_POS = Float.intBitsToFloat(0x00800000);
    static final int INV_MANT_MASK = ~0x7f800000;
    static final int HALF_BITS = Float.floatToRawIntBits(0.5f);
    static final float SQRTHF = (float) 0.707106781186547524;
    static final float LOG_P0 = (float) 7.0376836292E-2;
    static final float LOG_P1 = (float) -1.1514610310E-1;
    static final float LOG_P2 = (float) 1.1676998740E-1;
    static final float LOG_P3 = (float) -1.2420140846E-1;
    static final float LOG_P4 = (float) 1.4249322787E-1;
    static final float LOG_P5 = (float) -1.6668057665E-1;
    static final float LOG_P6 = (float) 2.0000714765E-1;
    static final float LOG_P7 = (float) -2.4999993993E-1;
    static final float LOG_P8 = (float) 3.3333331174E-1;
    static final float LOG_Q1 = (float) -2.12194440e-4;
    static final float LOG_Q2 = (float) 0.693359375;

    static final float MINUS_DP1 = (float) -0.78515625;
    static final float MINUS_DP2 = (float) -2.4187564849853515625e-4;
    static final float MINUS_DP3 = (float) -3.77489497744594108e-8;
    static final float SIN_P0 = (float) -1.9515295891E-4;
    static final float SIN_P1 = (float) 8.3321608736E-3;
    static final float SIN_P2 = (float) -1.6666654611E-1;
    static final float COS_P0 = (float) 2.443315711809948E-005;
    static final float COS_P1 = (float) -1.388731625493765E-003;
    static final float COS_P2 = (float) 4.166664568298827E-002;
    static final float FOUR_OVER_PI = (float) 1.27323954473516;

    static final int SIGN_MASK = 0x80000000;

    private BoxMullerAvx2() {
    }

    /**
     * Turns 16 uniforms at {@code data[offset..offset+16)} into 16 standard normals in place: lanes 0-7 give the
     * radius, lanes 8-15 the angle; cosines land in the first half and sines in the second.
     */
    static void fill16(float[] data, int offset) {
        for (int lane = 0; lane < 8; lane++) {
            float u1 = 1.0f - data[offset + lane];
            float u2 = data[offset + lane + 8];
            float radius = (float) Math.sqrt(-2.0f * log(u1));
            float theta = TWO_PI * u2;
            long sinCos = sinCos(theta);
            float sin = Float.intBitsToFloat((int) (sinCos >>> 32));
            float cos = Float.intBitsToFloat((int) sinCos);
            data[offset + lane] = Math.fma(radius * cos, 1.0f, 0.0f);
            data[offset + lane + 8] = Math.fma(radius * sin, 1.0f, 0.0f);
        }
    }

    /** Natural logarithm; NaN for {@code x <= 0}, denormals treated as the smallest normal. */
    static float log(float x) {
        boolean invalid = x <= 0.0f;
        x = x > MIN_NORM_POS ? x : MIN_NORM_POS;
        int bits = Float.floatToRawIntBits(x);
        int exponent = (bits >>> 23) - 0x7f;
        x = Float.intBitsToFloat((bits & INV_MANT_MASK) | HALF_BITS);
        float e = (float) exponent;
        e = e + 1.0f;
        // Shift the mantissa from [0.5, 1) to [sqrt(1/2) - 1, sqrt(2) - 1) around zero.
        boolean below = x < SQRTHF;
        float tmp = below ? x : 0.0f;
        x = x - 1.0f;
        e = e - (below ? 1.0f : 0.0f);
        x = x + tmp;

        float z = x * x;
        float y = Math.fma(LOG_P0, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y);
        x = x + y;
        x = Math.fma(e, LOG_Q2, x);
        return invalid ? Float.NaN : x;
    }

    /** Sine (high 32 bits) and cosine (low 32 bits) of {@code x}, as raw float bits. */
    static long sinCos(float x) {
        int bits = Float.floatToRawIntBits(x);
        int signSin = bits & SIGN_MASK;
        x = Float.intBitsToFloat(bits & ~SIGN_MASK);

        float y = x * FOUR_OVER_PI;
        int j = (int) y;
        j = (j + 1) & ~1;
        y = (float) j;
        int swapSignSin = (j & 4) << 29;
        boolean firstPolynomialForSin = (j & 2) == 0;
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSignSin;

        // Extended precision modular arithmetic: x = ((x - y * DP1) - y * DP2) - y * DP3.
        x = Math.fma(y, MINUS_DP1, x);
        x = Math.fma(y, MINUS_DP2, x);
        x = Math.fma(y, MINUS_DP3, x);

        float z = x * x;
        float c = Math.fma(COS_P0, z, COS_P1);
        c = Math.fma(c, z, COS_P2);
        c = c * z;
        c = Math.fma(c, z, -(z * 0.5f));
        c = c + 1.0f;

        float s = Math.fma(SIN_P0, z, SIN_P1);
        s = Math.fma(s, z, SIN_P2);
        s = s * z;
        s = Math.fma(s, x, x);

        float sinFromS = firstPolynomialForSin ? s : 0.0f;
        float sinFromC = firstPolynomialForSin ? 0.0f : c;
        s = s - sinFromS;
        c = c - sinFromC;
        float sin = sinFromC + sinFromS;
        float cos = c + s;

        int sinBits = Float.floatToRawIntBits(sin) ^ signSin;
        int cosBits = Float.floatToRawIntBits(cos) ^ signCos;
        return ((long) sinBits << 32) | (cosBits & 0xffffffffL);
    }
}
