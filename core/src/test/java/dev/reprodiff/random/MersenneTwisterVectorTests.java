package dev.reprodiff.random;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The vector twist and tempering give the scalar loops' words and uniforms, bit for bit. */
class MersenneTwisterVectorTests {

    @Test
    void vectorTwistRegeneratesTheScalarWords() {
        assumeThat(BoxMullerVector.isUsable()).as("256-bit vectors").isTrue();
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 200; round++) {
            int[] scalar = random.ints(MersenneTwister.N).toArray();
            int[] vector = scalar.clone();
            MersenneTwister.twist(scalar);
            MersenneTwisterVector.twist(vector, MersenneTwister.N, MersenneTwister.M, MersenneTwister.MATRIX_A);
            assertThat(vector).as("round %d", round).isEqualTo(scalar);
        }
    }

    @Test
    void vectorTemperingGivesTheScalarUniforms() {
        assumeThat(BoxMullerVector.isUsable()).as("256-bit vectors").isTrue();
        int[] words = new SplittableRandom(12).ints(MersenneTwister.N).toArray();
        words[0] = -1; // all bits set: the largest uniform, 1 - 2^-24
        words[1] = 0;
        for (int count : new int[] {0, 7, 8, 9, 17, MersenneTwister.N - 3}) {
            float[] scalar = new float[count + 5];
            float[] vector = new float[count + 5];
            MersenneTwister.uniformFloats(words, 3, scalar, 5, count);
            int done = MersenneTwisterVector.uniformFloats(words, 3, vector, 5, count);
            MersenneTwister.uniformFloats(words, 3 + done, vector, 5 + done, count - done);
            assertThat(done).as("count %d", count).isEqualTo(count - count % 8);
            assertThat(vector).as("count %d", count).isEqualTo(scalar);
        }
    }
}
