package dev.reprodiff.io;

/** IEEE 754 half precision to float, exactly (Java 17 has no Float.float16ToFloat). */
final class Float16 {

    private Float16() {
    }

    /** The float with the same value as the half-precision bits {@code half}; NaN payloads are kept. */
    static float toFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent != 0) {
            return Float.intBitsToFloat(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
        }
        float subnormal = mantissa * 0x1p-24f; // exact: at most 10 significant bits
        return sign == 0 ? subnormal : -subnormal;
    }
}
