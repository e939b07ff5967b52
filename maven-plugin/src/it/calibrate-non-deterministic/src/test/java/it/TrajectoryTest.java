package it;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.junit.Deterministic;
import dev.reprodiff.junit.Golden;
import org.junit.jupiter.api.Test;

class TrajectoryTest {

    /**
     * Stands for a kernel that is not deterministic although the test says it is: from calibration run 3 on, step 2
     * of the four-step trajectory comes out other than in run 1. Recording and verifying see the same values.
     */
    @Test
    @Deterministic
    void trajectoryMatchesItsGolden(Golden golden) {
        int run = Integer.getInteger(GoldenProperties.CALIBRATE_RUN, 0);
        float[] steps = new float[4 * 3];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = i * 0.5f;
        }
        if (run >= 3) {
            steps[2 * 3 + 1] += 1e-6f;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            golden.verifyTrajectory("walk/steps", manager.create(steps, new Shape(4, 3)));
        }
    }

    /** Deterministic, and the same in every run. */
    @Test
    @Deterministic
    void steadyMatchesItsGolden(Golden golden) {
        golden.verify("steady/values", new float[] {1, 2, 3}, 3);
    }
}
