package dev.reprodiff.examples;

import dev.reprodiff.junit.Seeded;
import dev.reprodiff.random.Generator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static dev.reprodiff.junit.ReproAssertions.assertThatTrajectory;

/**
 * Fails on purpose, to show a golden failure report and the divergence locator: the 4-step trajectory of
 * {@link ControlRandomnessTest} with 1e-3 added to the latents after step 2. Runs only with
 * {@code mvn -pl examples test -Pshow-failure} (which sets {@code reprodiff.showFailure=true}), so neither the
 * normal build nor {@code reprodiff:record} runs it.
 */
@EnabledIfSystemProperty(named = "reprodiff.showFailure", matches = "true")
class ShowFailureTest {

    private static DefaultPipeline model;

    @BeforeAll
    static void loadModel() {
        model = new DefaultPipeline();
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    @Seeded(0)
    void trajectoryNudgedAtStepTwoFailsAndNamesStepTwo(Generator generator) {
        float[] trajectory = ControlRandomnessTest.fourStepTrajectory(model.ddim(), generator, 2);
        assertThatTrajectory(trajectory, 4, 1, 1, 32, 32).as("DDIM default model, 4 steps, nudged at step 2")
                .matchesGolden("ddim/four-steps-seed-0-trajectory");
    }
}
