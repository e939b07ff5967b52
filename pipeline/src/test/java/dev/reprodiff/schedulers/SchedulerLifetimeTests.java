package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipeline's loop (STYLE.md): each step in its own NDScope that hands back only the new sample. Multistep
 * schedulers must keep their history alive across scopes, and the result must not depend on the scopes.
 */
class SchedulerLifetimeTests {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = ';', value = {
            "PNDMScheduler; {}",
            "PNDMScheduler; {\"skip_prk_steps\": true}",
            "DPMSolverMultistepScheduler; {\"solver_order\": 3}",
            "DPMSolverMultistepScheduler; {\"algorithm_type\": \"sde-dpmsolver++\"}",
            "DDPMScheduler; {}",
            "EulerAncestralDiscreteScheduler; {}"})
    void stepsInsidePerStepScopesGiveTheSameResultAsWithout(String className, String json) throws Exception {
        Map<String, Object> config = new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray unscoped = run(SchedulerFixtureTests.create(className, ConfigFile.of("a", config)), manager,
                    false);
            NDArray scoped = run(SchedulerFixtureTests.create(className, ConfigFile.of("b", config)), manager, true);
            assertThat(scoped.toFloatArray()).containsExactly(unscoped.toFloatArray());
        }
    }

    @SuppressWarnings("try")
    private static NDArray run(Scheduler scheduler, NDManager manager, boolean scoped) {
        scheduler.setTimesteps(12);
        Generator generator = Generator.seeded(7);
        NDArray sample = generator.randn(manager, new Shape(2, 3, 4, 4)).mul((float) scheduler.initNoiseSigma());
        StepOptions options = StepOptions.defaults().withNoise(Noise.of(generator));
        for (double t : scheduler.timesteps()) {
            if (scoped) {
                try (NDScope step = new NDScope()) {
                    NDScope.register(sample);
                    sample = stepOnce(scheduler, sample, t, options);
                    NDScope.unregister(sample);
                }
            } else {
                sample = stepOnce(scheduler, sample, t, options);
            }
        }
        return sample;
    }

    private static NDArray stepOnce(Scheduler scheduler, NDArray sample, double t, StepOptions options) {
        NDArray modelInput = scheduler.scaleModelInput(sample, t);
        NDArray modelOutput = modelInput.mul((float) t).div((float) t + 1f);
        return scheduler.step(modelOutput, t, sample, options).prevSample();
    }
}
