package dev.reprodiff.random;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scalar and the vector lanes of the float32 Box-Muller kernel agree bit for bit on every input they can get.
 * The uniforms are k * 2^-24 for 2^24 values of k; the radius depends only on the first eight of a block of 16 and
 * the angle only on the last eight, so sweeping each half over all 2^24 values (the other half fixed) covers every
 * logarithm and every sine and cosine the kernel can compute.
 */
class BoxMullerLanesTests {

    private static final int UNIFORMS = 1 << 24;

    @Test
    void surefireRunsTheVectorLanesWhereTheCpuHasThem() {
        assumeTrue(FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256, "this CPU has no 256-bit vectors");
        assertThat(Generator.usesVectorLanes()).isTrue();
    }

    @Test
    void radiiAgreeOnEveryPossibleUniform() {
        sweep(0, 0.0f);          // angles 0: cos 1, sin 0
    }

    @Test
    void sinesAndCosinesAgreeOnEveryPossibleUniform() {
        sweep(8, 0.5f);          // radius sqrt(2 ln 2)
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

    /** Sweeps lanes [first, first + 8) over all uniforms, the other eight lanes held at {@code other}. */
    private static void sweep(int first, float other) {
        float[] scalar = new float[16];
        float[] vector = new float[16];
        for (int k = 0; k < UNIFORMS; k += 8) {
            for (int lane = 0; lane < 16; lane++) {
                boolean swept = lane >= first && lane < first + 8;
                scalar[lane] = swept ? (k + lane - first) * 0x1p-24f : other;
            }
            System.arraycopy(scalar, 0, vector, 0, 16);
            float[] input = scalar.clone();
            BoxMullerAvx2.fill16(scalar, 0);
            BoxMullerVector.fill16(vector, 0);
            for (int lane = 0; lane < 16; lane++) {
                if (Float.floatToRawIntBits(scalar[lane]) != Float.floatToRawIntBits(vector[lane])) {
                    assertThat(vector[lane]).as("lane %d of uniforms %s", lane, java.util.Arrays.toString(input))
                            .isEqualTo(scalar[lane]);
                }
            }
        }
    }
}
