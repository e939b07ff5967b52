package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Invariants that hold for any configuration, checked on configurations drawn from a fixed seed. */
class SchedulerPropertyTests {

    private static final int CONFIGS_PER_SCHEDULER = 8;

    /** Configurations drawn at random over the keys each scheduler supports, with a number of inference steps. */
    static Stream<Arguments> generatedConfigs() {
        Random random = new Random(20260529);
        List<Arguments> cases = new ArrayList<>();
        for (String className : SchedulerContractTests.ALL) {
            for (int i = 0; i < CONFIGS_PER_SCHEDULER; i++) {
                Map<String, Object> config = randomConfig(className, random);
                int numTrain = (Integer) config.get("num_train_timesteps");
                int steps = 1 + random.nextInt(Math.min(50, numTrain / 2));
                cases.add(Arguments.of(className, Named.of(config + ", " + steps + " steps", config), steps));
            }
        }
        return cases.stream();
    }

    static Map<String, Object> randomConfig(String className, Random random) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("num_train_timesteps", pick(random, 1000, 1000, 500, 100));
        String schedule = pick(random, "linear", "scaled_linear", "squaredcos_cap_v2");
        config.put("beta_schedule", schedule);
        if (!schedule.equals("squaredcos_cap_v2") && random.nextBoolean()) {
            config.put("beta_start", 0.00085);
            config.put("beta_end", 0.012);
        }
        config.put("timestep_spacing", pick(random, "leading", "trailing", "linspace"));
        config.put("steps_offset", random.nextInt(2));
        boolean ancestralOrPndm = className.startsWith("EulerAncestral") || className.startsWith("PNDM");
        config.put("prediction_type", ancestralOrPndm ? pick(random, "epsilon", "v_prediction")
                : pick(random, "epsilon", "v_prediction", "sample"));
        if (!className.startsWith("PNDM")) {
            config.put("rescale_betas_zero_snr", random.nextInt(4) == 0);
        }
        switch (className) {
            case "DDIMScheduler", "PNDMScheduler" -> config.put("set_alpha_to_one", random.nextBoolean());
            case "DDPMScheduler" -> config.put("variance_type", pick(random, "fixed_small", "fixed_small_log",
                    "fixed_large"));
            case "EulerDiscreteScheduler" -> config.put("use_karras_sigmas", random.nextBoolean());
            case "DPMSolverMultistepScheduler" -> {
                config.put("use_karras_sigmas", random.nextBoolean());
                config.put("solver_order", 1 + random.nextInt(3));
                config.put("solver_type", pick(random, "midpoint", "heun"));
            }
            default -> { }
        }
        if (className.startsWith("PNDM")) {
            config.put("skip_prk_steps", random.nextBoolean());
        }
        return config;
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("generatedConfigs")
    void timestepsDescendWithinTheTrainingRange(String className, Map<String, Object> config, int steps) {
        Scheduler scheduler = SchedulerFixtureTests.create(className, ConfigFile.of("generated", config));
        scheduler.setTimesteps(steps);
        double[] timesteps = scheduler.timesteps();
        assertThat(timesteps).isNotEmpty();
        for (int i = 0; i < timesteps.length; i++) {
            assertThat(timesteps[i]).as("timesteps[%d]", i).isBetween(0.0, scheduler.numTrainTimesteps() - 1.0);
            if (i > 0) {
                // PNDM visits some timesteps twice on purpose (PRK midpoints, the first PLMS correction).
                if (className.equals("PNDMScheduler") || roundsKarrasTimesteps(className, config)) {
                    assertThat(timesteps[i]).as("timesteps[%d]", i).isLessThanOrEqualTo(timesteps[i - 1]);
                } else {
                    assertThat(timesteps[i]).as("timesteps[%d]", i).isLessThan(timesteps[i - 1]);
                }
            }
        }
    }

    /**
     * DPM-Solver rounds the Karras timesteps to integers, which can repeat one at the low-noise end when the run is
     * long for its training schedule (diffusers v0.28 does the same).
     */
    private static boolean roundsKarrasTimesteps(String className, Map<String, Object> config) {
        return className.equals("DPMSolverMultistepScheduler") && Boolean.TRUE.equals(config.get("use_karras_sigmas"));
    }

    /** Whether the last step reaches alpha_bar = 1: DDPM and DDIM step back by T / n, which trailing spacing overshoots. */
    private static boolean lastStepReachesCleanSample(Scheduler scheduler, int steps) {
        double[] timesteps = scheduler.timesteps();
        for (int i = 1; i < timesteps.length; i++) {
            if (timesteps[i] == timesteps[i - 1]) {
                return false;                                   // see roundsKarrasTimesteps
            }
        }
        if (scheduler instanceof DDPMScheduler || scheduler instanceof DDIMScheduler) {
            return timesteps[timesteps.length - 1] - scheduler.numTrainTimesteps() / steps < 0;
        }
        return true;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("generatedConfigs")
    void alphasCumprodDecreasesStrictlyWithinTheUnitInterval(String className, Map<String, Object> config,
                                                             int steps) throws ReflectiveOperationException {
        Scheduler scheduler = SchedulerFixtureTests.create(className, ConfigFile.of("generated", config));
        float[] alphasCumprod = (float[]) scheduler.getClass().getMethod("alphasCumprod").invoke(scheduler);
        assertThat(alphasCumprod).hasSize(scheduler.numTrainTimesteps());
        boolean zeroTerminalSnr = Boolean.TRUE.equals(config.get("rescale_betas_zero_snr"));
        for (int i = 0; i < alphasCumprod.length; i++) {
            boolean terminal = i == alphasCumprod.length - 1;
            if (terminal && zeroTerminalSnr) {
                // Zero terminal SNR: exactly 0 (DDPM, DDIM) or 2^-24 (where sigma = sqrt((1 - a) / a) is needed).
                assertThat(alphasCumprod[i]).as("alphas_cumprod[T - 1]").isIn(0f, 0x1p-24f);
            } else {
                assertThat(alphasCumprod[i]).as("alphas_cumprod[%d]", i).isGreaterThan(0f).isLessThanOrEqualTo(1f);
            }
            if (i > 0) {
                assertThat(alphasCumprod[i]).as("alphas_cumprod[%d]", i).isLessThan(alphasCumprod[i - 1]);
            }
        }
    }

    /**
     * A model that predicts the clean sample x_0 exactly (prediction_type {@code sample}) leaves no noise: after the
     * final step the sample is that prediction. Applies where the last step lands on alpha_bar = 1 / sigma = 0:
     * DDPM, and DDIM with {@code set_alpha_to_one}, when the last step goes past timestep 0 (with {@code trailing}
     * spacing it stops at 0, one step short, as in diffusers); Euler and DPM-Solver++ with a zero final sigma.
     * Euler ancestral and PNDM do not support {@code sample}.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("generatedConfigs")
    void aPerfectSamplePredictionIsTheFinalSample(String className, Map<String, Object> config, int steps) {
        Assumptions.assumeFalse(className.startsWith("EulerAncestral") || className.startsWith("PNDM"),
                "Euler ancestral and PNDM do not support prediction_type sample");
        Map<String, Object> samplePrediction = new LinkedHashMap<>(config);
        samplePrediction.put("prediction_type", "sample");
        samplePrediction.put("set_alpha_to_one", true);
        Scheduler scheduler = SchedulerFixtureTests.create(className, ConfigFile.of("generated", samplePrediction));
        scheduler.setTimesteps(steps);
        Assumptions.assumeTrue(lastStepReachesCleanSample(scheduler, steps),
                "the last step of this schedule does not reach alpha_bar = 1 (as in diffusers)");
        Generator generator = Generator.seeded(steps);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Shape shape = new Shape(2, 3, 4, 4);
            NDArray x0 = generator.rand(manager, shape).mul(2f).sub(1f);          // within the clipping range
            NDArray sample = generator.randn(manager, shape).mul((float) scheduler.initNoiseSigma());
            StepOptions options = StepOptions.defaults().withNoise(Noise.of(generator));
            for (double t : scheduler.timesteps()) {
                scheduler.scaleModelInput(sample, t);
                sample = scheduler.step(x0, t, sample, options).prevSample();
            }
            SchedulerFixtureTests.assertClose(sample, x0, 1e-4, className + " final sample");
        }
    }
}
