package dev.reprodiff.random;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scalar and the vector lanes of the float32 Box-Muller kernel agree bit for bit on every input they can get:
 * the uniforms are k * 2^-24, so the log sees 1 - k * 2^-24 and the sine/cosine 2*pi * k * 2^-24, for all 2^24 k.
 */
class BoxMullerLanesTests {

    private static final int UNIFORMS = 1 << 24;

    @Test
    void surefireRunsTheVectorLanesWhereTheCpuHasThem() {
        assumeTrue(FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256, "this CPU has no 256-bit vectors");
        assertThat(Generator.usesVectorLanes()).isTrue();
    }

    @Test
    void logAgreesOnEveryPossibleInput() {
        float[] inputs = new float[8];
        float[] vector = new float[8];
        for (int k = 0; k < UNIFORMS; k += 8) {
            for (int lane = 0; lane < 8; lane++) {
                inputs[lane] = 1.0f - (k + lane) * 0x1p-24f;
            }
            BoxMullerVector.log(FloatVector.fromArray(FloatVector.SPECIES_256, inputs, 0)).intoArray(vector, 0);
            for (int lane = 0; lane < 8; lane++) {
                float scalar = BoxMullerAvx2.log(inputs[lane]);
                if (Float.floatToRawIntBits(scalar) != Float.floatToRawIntBits(vector[lane])) {
                    assertThat(vector[lane]).as("log(%s)", inputs[lane]).isEqualTo(scalar);
                }
            }
        }
    }

    @Test
    void sineAndCosineAgreeOnEveryPossibleInput() {
        float[] inputs = new float[8];
        float[] sin = new float[8];
        float[] cos = new float[8];
        for (int k = 0; k < UNIFORMS; k += 8) {
            for (int lane = 0; lane < 8; lane++) {
                inputs[lane] = BoxMullerAvx2.TWO_PI * ((k + lane) * 0x1p-24f);
            }
            FloatVector[] sinCos = BoxMullerVector.sinCos(FloatVector.fromArray(FloatVector.SPECIES_256, inputs, 0));
            sinCos[0].intoArray(sin, 0);
            sinCos[1].intoArray(cos, 0);
            for (int lane = 0; lane < 8; lane++) {
                long scalar = BoxMullerAvx2.sinCos(inputs[lane]);
                int scalarSin = (int) (scalar >>> 32);
                int scalarCos = (int) scalar;
                if (scalarSin != Float.floatToRawIntBits(sin[lane]) || scalarCos != Float.floatToRawIntBits(cos[lane])) {
                    assertThat(new float[] {sin[lane], cos[lane]}).as("sin/cos(%s)", inputs[lane])
                            .containsExactly(Float.intBitsToFloat(scalarSin), Float.intBitsToFloat(scalarCos));
                }
            }
        }
    }

    @Test
    void aWholeDrawAgreesWithTheScalarKernel() {
        float[] uniforms = Generator.seeded(1).rand(new float[4096]);
        float[] scalar = uniforms.clone();
        float[] vector = uniforms.clone();
        for (int i = 0; i < uniforms.length; i += 16) {
            BoxMullerAvx2.fill16(scalar, i);
            BoxMullerVector.fill16(vector, i);
        }
        assertThat(vector).isEqualTo(scalar);
    }
}
