package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;

@Goldens
class TinyGoldenTest {

    /** The outputs; -Dit.offset changes them, as a changed pipeline would. */
    static float[] values() {
        float offset = Float.parseFloat(System.getProperty("it.offset", "0"));
        return new float[] {0.25f + offset, -1.5f, 3.0f, 7.125f};
    }

    @Test
    void tinyTensorMatchesItsGolden(Golden golden) {
        golden.verify("tiny/values", values(), 2, 2);
    }

    @Test
    void otherTensorMatchesItsGolden(Golden golden) {
        golden.verify("tiny/other", new float[] {1, 2, 3}, 3);
    }
}
