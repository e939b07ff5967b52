package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;
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
                .withGenerators(List.of(Generator.seeded(0), Generator.seeded(1)));
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
