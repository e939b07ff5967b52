package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every scheduler does with bad input: a clear error, never a wrong tensor. */
class SchedulerContractTests {

    static final String[] ALL = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"};

    static Scheduler withDefaults(String className) {
        return SchedulerFixtureTests.create(className, ConfigFile.of("defaults", Map.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void stepBeforeSetTimestepsTeachesTheOrder(String className) {
        Scheduler scheduler = withDefaults(className);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray sample = manager.ones(new Shape(1, 3, 4, 4));
            assertThatThrownBy(() -> scheduler.step(sample, 999, sample, StepOptions.defaults()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("Number of inference steps is not set; call setTimesteps(...) after creating the"
                            + " scheduler");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void moreInferenceStepsThanTrainingStepsIsAnError(String className) {
        Scheduler scheduler = withDefaults(className);
        assertThatThrownBy(() -> scheduler.setTimesteps(1001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numInferenceSteps (1001) cannot be larger than num_train_timesteps (1000): the model"
                        + " was trained on 1000 timesteps only");
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void aTimestepOutsideTheScheduleIsAnError(String className) {
        Scheduler scheduler = withDefaults(className);
        scheduler.setTimesteps(10);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray sample = manager.ones(new Shape(1, 3, 4, 4));
            assertThatThrownBy(() -> scheduler.step(sample, 3.5, sample, StepOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Timestep 3.5 is not in the schedule [")
                    .hasMessageEndingWith("]; pass one of timesteps()");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void aModelOutputOfAnotherShapeIsAnError(String className) {
        Scheduler scheduler = withDefaults(className);
        scheduler.setTimesteps(10);
        double t = scheduler.timesteps()[0];
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray sample = manager.ones(new Shape(1, 3, 4, 4));
            NDArray modelOutput = manager.ones(new Shape(1, 6, 4, 4));
            assertThatThrownBy(() -> scheduler.step(modelOutput, t, sample, StepOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("The model output's shape (1, 6, 4, 4) differs from the sample's shape (1, 3, 4, 4);"
                            + " the scheduler needs one value per sample element");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "EulerAncestralDiscreteScheduler",
            "DPMSolverMultistepScheduler"})
    void aGeneratorListOfAnotherLengthThanTheBatchIsAnError(String className) {
        Scheduler scheduler = className.equals("DPMSolverMultistepScheduler")
                ? SchedulerFixtureTests.create(className, ConfigFile.of("sde", Map.of("algorithm_type",
                "sde-dpmsolver++")))
                : withDefaults(className);
        scheduler.setTimesteps(10);
        double t = scheduler.timesteps()[0];
        StepOptions options = StepOptions.defaults().withEta(1.0)
                .withNoise(Noise.perImage(List.of(Generator.seeded(0), Generator.seeded(1))));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray sample = manager.ones(new Shape(3, 3, 4, 4));
            assertThatThrownBy(() -> scheduler.step(sample, t, sample, options))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("A list of 2 generators draws one image each, but the batch size of shape"
                            + " (3, 3, 4, 4) is 3. Pass one generator per image, or a single generator for the"
                            + " whole batch.");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "EulerAncestralDiscreteScheduler"})
    void aStochasticStepWithoutNoiseSaysWhereNoiseComesFrom(String className) {
        Scheduler scheduler = withDefaults(className);
        scheduler.setTimesteps(10);
        double t = scheduler.timesteps()[0];
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray sample = manager.ones(new Shape(1, 3, 4, 4));
            assertThatThrownBy(() -> scheduler.step(sample, t, sample, StepOptions.defaults().withEta(1.0)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("This step adds random noise, but its StepOptions have none: pass"
                            + " StepOptions.defaults().withNoise(Noise.of(generator)) (a pipeline passes its call's"
                            + " noise)");
        }
    }

    @Test
    void etaMustBeFiniteAndNotNegative() {
        for (double eta : new double[] {-5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> StepOptions.defaults().withEta(eta))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("eta must be a finite number of at least 0 (0: deterministic DDIM, 1: DDPM-like"
                            + " noise), but got " + eta);
        }
    }

    /** A copy has the configuration and none of the run: a step of the original's run is not in its schedule. */
    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void aCopyHasTheConfigurationAndNoneOfTheRun(String className) {
        ConfigFile file = ConfigFile.of("cfg.json", Map.of("num_train_timesteps", 500));
        Scheduler scheduler = SchedulerFixtureTests.create(className, file);
        scheduler.setTimesteps(10);
        double[] run = scheduler.timesteps();
        Scheduler copy = scheduler.copy();

        assertThat(copy).isInstanceOf(scheduler.getClass()).isNotSameAs(scheduler);
        assertThat(copy.config()).isSameAs(file);
        assertThat(copy.timesteps()).isEmpty();
        copy.setTimesteps(2);
        assertThat(scheduler.timesteps()).containsExactly(run);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void negativeTrainingTimestepsAreAConfigErrorNamingKeyValueAndFile(String className) {
        ConfigFile file = ConfigFile.of("scheduler/scheduler_config.json", Map.of("num_train_timesteps", -5));
        assertThatThrownBy(() -> SchedulerFixtureTests.create(className, file))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value -5 for \"num_train_timesteps\" in scheduler/scheduler_config.json: expected"
                        + " an integer of at least 1 (the number of diffusion steps the model was trained with;"
                        + " diffusers' default is 1000)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void configReturnsTheWholeFileWithItsUnknownKeys(String className) {
        ConfigFile file = ConfigFile.of("cfg.json", Map.of("num_train_timesteps", 500, "some_future_key", 3));
        Scheduler scheduler = SchedulerFixtureTests.create(className, file);
        assertThat(scheduler.config()).isSameAs(file);
        assertThat(scheduler.numTrainTimesteps()).isEqualTo(500);
        assertThat(scheduler.config().get("some_future_key").asInt()).isEqualTo(3);
    }
}
