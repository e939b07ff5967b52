package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration values: defaults, swaps between schedulers, and clear errors for what we do not support. */
class SchedulerConfigTests {

    @ParameterizedTest
    @ValueSource(strings = {"EulerAncestralDiscreteScheduler", "PNDMScheduler"})
    void samplePredictionIsRefusedWhereDiffusersCannotStepIt(String className) {
        assertThatThrownBy(() -> SchedulerFixtureTests.create(className,
                ConfigFile.of("cfg.json", Map.of("prediction_type", "sample"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"sample\" for \"prediction_type\" in cfg.json; supported values:"
                        + " \"epsilon\", \"v_prediction\"");
    }

    @Test
    void anUnknownPredictionTypeNamesAllThree() {
        assertThatThrownBy(() -> DDPMScheduler.fromConfig(ConfigFile.of("cfg.json",
                Map.of("prediction_type", "flow"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"flow\" for \"prediction_type\" in cfg.json; supported values:"
                        + " \"epsilon\", \"v_prediction\", \"sample\"");
    }

    @Test
    void learnedVarianceIsNotSupported() {
        assertThatThrownBy(() -> DDPMScheduler.fromConfig(ConfigFile.of("cfg.json",
                Map.of("variance_type", "learned_range"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"learned_range\" for \"variance_type\" in cfg.json; supported values:"
                        + " \"fixed_small\", \"fixed_small_log\", \"fixed_large\", \"fixed_large_log\"");
    }

    @Test
    void theFirstOrderDpmSolverIsNotSupported() {
        assertThatThrownBy(() -> DPMSolverMultistepScheduler.fromConfig(ConfigFile.of("cfg.json",
                Map.of("algorithm_type", "dpmsolver"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"dpmsolver\" for \"algorithm_type\" in cfg.json; supported values:"
                        + " \"dpmsolver++\", \"sde-dpmsolver++\"");
    }

    @Test
    void thirdOrderSdeDpmSolverIsRefused() {
        assertThatThrownBy(() -> DPMSolverMultistepScheduler.fromConfig(ConfigFile.of("cfg.json",
                Map.of("algorithm_type", "sde-dpmsolver++", "solver_order", 3))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value 3 for \"solver_order\" in cfg.json; supported values: 1, 2");
    }

    @Test
    void aLearnedVarianceDpmModelIsRefused() {
        assertThatThrownBy(() -> DPMSolverMultistepScheduler.fromConfig(ConfigFile.of("cfg.json",
                Map.of("variance_type", "learned_range"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"learned_range\" for \"variance_type\" in cfg.json; supported values:"
                        + " null, \"fixed_small\", \"fixed_small_log\", \"fixed_large\", \"fixed_large_log\"");
    }

    @Test
    void aDdpmVarianceTypeArrivingThroughFromConfigIsIgnoredAsDiffusersDoes() {
        DPMSolverMultistepScheduler scheduler = DPMSolverMultistepScheduler.fromConfig(ConfigFile.of("ddpm.json",
                Map.of("variance_type", "fixed_large")));
        scheduler.setTimesteps(5);
        assertThat(scheduler.timesteps()).hasSize(5);
    }

    @Test
    void leadingTimestepsPastTheTrainingRangeAreAnError() {
        DDIMScheduler scheduler = DDIMScheduler.fromConfig(ConfigFile.of("cfg.json", Map.of("steps_offset", 1)));
        assertThatThrownBy(() -> scheduler.setTimesteps(1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Timestep 1000 of leading spacing with 1000 steps and steps_offset 1 is outside the"
                        + " training range [0, 1000); use fewer steps or another timestep_spacing");
    }

    @Test
    void trainedBetasReplaceTheSchedule() {
        DDPMScheduler scheduler = DDPMScheduler.fromConfig(ConfigFile.of("cfg.json",
                Map.of("num_train_timesteps", 4, "trained_betas", List.of(0.1, 0.2, 0.3, 0.4))));
        // torch.cumprod of float32 (1 - betas), accumulated in double (values from numpy/torch).
        assertThat(scheduler.alphasCumprod()).containsExactly(0.8999999761581421f, 0.7199999690055847f,
                0.5040000081062317f, 0.30239999294281006f);
    }

    @Test
    void aSwappedStableDiffusionConfigKeepsItsScheduleAndReportsTheRest() {
        ConfigFile pndm = ConfigFile.of("scheduler/scheduler_config.json", Map.of(
                "_class_name", "PNDMScheduler", "beta_start", 0.00085, "beta_end", 0.012,
                "beta_schedule", "scaled_linear", "num_train_timesteps", 1000, "set_alpha_to_one", false,
                "skip_prk_steps", true, "steps_offset", 1));
        EulerDiscreteScheduler euler = EulerDiscreteScheduler.fromConfig(pndm);
        assertThat(euler.config().unknownKeys(EulerDiscreteSchedulerConfig.class))
                .containsExactly("set_alpha_to_one", "skip_prk_steps");
        assertThat(euler.schedulerConfig().betaSchedule()).isEqualTo(BetaSchedule.SCALED_LINEAR);
        assertThat(euler.schedulerConfig().timestepSpacing()).isEqualTo(TimestepSpacing.LINSPACE);
    }

    @Test
    void dynamicThresholdingClampsEachImageToItsQuantile() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // Image 0: |x| = 0..9 -> 90% quantile 8.1, capped at sample_max_value 2 -> clamp to [-2, 2], divide by 2.
            // Image 1: within [-1, 1] -> s = 1 (clamped from below): plain clipping.
            float[] values = new float[20];
            for (int i = 0; i < 10; i++) {
                values[i] = i % 2 == 0 ? i : -i;
                values[10 + i] = (i - 5) / 10f;
            }
            NDArray x0 = manager.create(values).reshape(2, 1, 2, 5);
            float[] out = Samples.threshold(x0, 0.9, 2.0).toFloatArray();
            assertThat(out[0]).isEqualTo(0f);
            assertThat(out[1]).isEqualTo(-0.5f);
            assertThat(out[9]).isEqualTo(-1f);
            assertThat(out[10]).isEqualTo(-0.5f);
        }
    }
}
