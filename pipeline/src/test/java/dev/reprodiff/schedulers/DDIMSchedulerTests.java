package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DDIMSchedulerTests {

    /** The sums diffusers' own DDIM scheduler tests assert (tests/schedulers/test_scheduler_ddim.py). */
    @ParameterizedTest(name = "{0}: sum |x_0| = {1}")
    @CsvSource({"ddim_default, 172.0067", "ddim_v_prediction, 52.5302", "ddim_alpha_one, 149.8295"})
    void fullLoopMatchesDiffusersCheckSum(String caseName, double expectedSum) {
        try (Fixtures fixtures = Fixtures.load("schedulers");
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            JsonNode testCase = StreamSupport.stream(fixtures.manifest().get("cases").spliterator(), false)
                    .filter(c -> c.get("name").asText().equals(caseName)).findFirst().orElseThrow();
            DDIMScheduler scheduler = DDIMScheduler.fromConfig(ConfigFile.of(caseName, testCase.get("config")));
            scheduler.setTimesteps(10);
            NDArray sample = fixtures.tensor("sample0").duplicate();
            sample.attach(manager);
            for (double t : scheduler.timesteps()) {
                NDArray modelOutput = sample.mul((float) t).div((float) t + 1f);
                sample = scheduler.step(modelOutput, t, sample, StepOptions.defaults()).prevSample();
            }
            assertThat((double) sample.abs().sum().getFloat()).isCloseTo(expectedSum, within(1e-3));
        }
    }

    @Test
    void leadingTimestepsAddTheOffset() {
        DDIMScheduler scheduler = DDIMScheduler.fromConfig(ConfigFile.of("test", Map.of("steps_offset", 1)));
        scheduler.setTimesteps(5);
        assertThat(scheduler.timesteps()).containsExactly(801, 601, 401, 201, 1);
    }

    @Test
    void buildsFromAnotherSchedulersConfigAndReportsItsUnknownKeys() {
        ConfigFile pndm = ConfigFile.of("pndm/scheduler_config.json", Map.of(
                "_class_name", "PNDMScheduler", "beta_schedule", "scaled_linear", "skip_prk_steps", true,
                "set_alpha_to_one", false, "steps_offset", 1));
        DDIMScheduler scheduler = DDIMScheduler.fromConfig(pndm);
        assertThat(scheduler.schedulerConfig().betaSchedule()).isEqualTo(BetaSchedule.SCALED_LINEAR);
        assertThat(scheduler.schedulerConfig().setAlphaToOne()).isFalse();
        assertThat(scheduler.config()).isSameAs(pndm);
        assertThat(scheduler.config().unknownKeys(DDIMSchedulerConfig.class)).containsExactly("skip_prk_steps");
    }

    @Test
    void anUnsupportedBetaScheduleNamesTheSupportedOnes() {
        assertThatThrownBy(() -> DDIMScheduler.fromConfig(ConfigFile.of("cfg.json", Map.of("beta_schedule",
                "sigmoid"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"sigmoid\" for \"beta_schedule\" in cfg.json; supported values:"
                        + " \"linear\", \"scaled_linear\", \"squaredcos_cap_v2\"");
    }

    @Test
    void aConfigRecordRoundTripsThroughItsConfigFile() {
        DDIMScheduler scheduler = new DDIMScheduler(DDIMSchedulerConfig.defaults());
        assertThat(scheduler.config().className()).isEqualTo("DDIMScheduler");
        assertThat(scheduler.config().get("timestep_spacing").asText()).isEqualTo("leading");
        assertThat(DDIMScheduler.fromConfig(scheduler.config()).schedulerConfig())
                .isEqualTo(DDIMSchedulerConfig.defaults());
    }
}
