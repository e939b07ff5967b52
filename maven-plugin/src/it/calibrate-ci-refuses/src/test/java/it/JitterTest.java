package it;

import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;

@Goldens
class JitterTest {

    /**
     * Stands for a pipeline whose last bits move between runs: in calibration run n, the first value moves by n
     * times 1e-7 (run 3: 10 ulps of 0.25f, 2.98e-7); outside calibration (recording, verifying) it does not move,
     * unless -Dit.offset adds a changed output.
     */
    static float[] values() {
        int run = Integer.getInteger(GoldenProperties.CALIBRATE_RUN, 0);
        float offset = Float.parseFloat(System.getProperty("it.offset", "0"));
        return new float[] {0.25f + run * 1e-7f + offset, -1.5f, 3.0f, 7.125f};
    }

    @Test
    void jitteringTensorMatchesItsGolden(Golden golden) {
        golden.verify("jitter/values", values(), 2, 2);
    }

    @Test
    void steadyTensorMatchesItsGolden(Golden golden) {
        golden.verify("steady/values", new float[] {1, 2, 3}, 3);
    }
}
