package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigFile;

import java.util.List;

/**
 * Ancestral sampling with Euler steps (Karras et al. 2022, https://arxiv.org/abs/2206.00364, as in k-diffusion's
 * {@code sample_euler_ancestral}): each step goes down to sigma_down deterministically and adds fresh noise of
 * sigma_up. Mirrors diffusers' {@code EulerAncestralDiscreteScheduler}.
 */
public final class EulerAncestralDiscreteScheduler implements Scheduler {

    private final ConfigFile config;
    private final EulerAncestralDiscreteSchedulerConfig settings;
    private final float[] alphasCumprod;
    /** sigma of every training timestep, float32 as in diffusers. */
    private final float[] trainingSigmas;
    private int numInferenceSteps;
    private float[] timesteps = new float[0];
    private float[] sigmas = new float[0];
    private int stepIndex = -1;

    /** A scheduler with the given settings. */
    public EulerAncestralDiscreteScheduler(EulerAncestralDiscreteSchedulerConfig settings) {
        this(ConfigValues.toConfigFile("EulerAncestralDiscreteScheduler", settings), settings);
    }

    private EulerAncestralDiscreteScheduler(ConfigFile config, EulerAncestralDiscreteSchedulerConfig settings) {
        // diffusers raises "prediction_type not implemented yet: sample" at the first step; we refuse it up front.
        ConfigValues.requireSupported(settings.predictionType() != PredictionType.SAMPLE, config, "prediction_type",
                settings.predictionType(), List.of(PredictionType.EPSILON, PredictionType.V_PREDICTION));
        this.config = config;
        this.settings = settings;
        float[] betas = TrainingSchedule.betas(config, settings.betaSchedule(), settings.numTrainTimesteps(),
                settings.betaStart(), settings.betaEnd(), settings.trainedBetas());
        if (settings.rescaleBetasZeroSnr()) {
            betas = TrainingSchedule.rescaleZeroTerminalSnr(betas);
        }
        this.alphasCumprod = TrainingSchedule.alphasCumprod(betas);
        if (settings.rescaleBetasZeroSnr()) {
            // A zero terminal alpha would make sigma infinite: diffusers keeps it just above zero.
            alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f;
        }
        this.trainingSigmas = TrainingSchedule.sigmas(alphasCumprod);
    }

    /** A scheduler built from a {@code scheduler_config.json}, possibly another scheduler's; unknown keys are kept. */
    public static EulerAncestralDiscreteScheduler fromConfig(ConfigFile config) {
        return new EulerAncestralDiscreteScheduler(config, config.bind(EulerAncestralDiscreteSchedulerConfig.class));
    }

    /** A scheduler of this configuration without this one's run state: what each pipeline call steps. */
    @Override
    public EulerAncestralDiscreteScheduler copy() {
        return new EulerAncestralDiscreteScheduler(config, settings);
    }

    @Override
    public ConfigFile config() {
        return config;
    }

    /** The typed settings this scheduler uses. */
    public EulerAncestralDiscreteSchedulerConfig schedulerConfig() {
        return settings;
    }

    /** alpha_bar_t, the cumulative product of (1 - beta) over the training timesteps (a copy). */
    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    @Override
    public int numTrainTimesteps() {
        return settings.numTrainTimesteps();
    }

    public int numInferenceSteps() {
        return numInferenceSteps;
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        Timesteps.requireInferenceSteps(numInferenceSteps, numTrainTimesteps());
        float[] steps = Timesteps.floatTimesteps(settings.timestepSpacing(), numTrainTimesteps(), numInferenceSteps,
                settings.stepsOffset());
        double[] levels = Numpy.interp(Numpy.toDoubles(steps), trainingSigmas);
        float[] withZero = new float[levels.length + 1];
        for (int i = 0; i < levels.length; i++) {
            withZero[i] = (float) levels[i];
        }
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = steps;
        this.sigmas = withZero;
        this.stepIndex = -1;
    }

    @Override
    public double[] timesteps() {
        return Numpy.toDoubles(timesteps);
    }

    /** The noise level of each inference step, and 0 after the last; float32 values. */
    public double[] sigmas() {
        return Numpy.toDoubles(sigmas);
    }

    /** The largest sigma, or sqrt(sigma_max^2 + 1) for {@code leading} spacing. */
    @Override
    public double initNoiseSigma() {
        return Timesteps.initNoiseSigma(sigmas.length > 0 ? sigmas : trainingSigmas,
                settings.timestepSpacing());
    }

    /** Divides by sqrt(sigma^2 + 1) so that the model sees unit-variance input, as in training. */
    @Override
    public NDArray scaleModelInput(NDArray sample, double timestep) {
        initStepIndex(timestep);
        float sigma = sigmas[stepIndex];
        return sample.div((float) Math.sqrt(sigma * sigma + 1));
    }

    /**
     * One ancestral Euler step from sigma_from to sigma_to.
     *
     * <pre>
     * code                 k-diffusion / Karras et al. (2022)
     * predOriginalSample   D(x; sigma), the denoised sample
     * sigmaUp              sqrt(sigma_to^2 (sigma_from^2 - sigma_to^2) / sigma_from^2), the fresh noise
     * sigmaDown            sqrt(sigma_to^2 - sigma_up^2), where the deterministic step lands
     * derivative           d = (x - D(x; sigma)) / sigma
     * prevSample           x + d (sigma_down - sigma) + sigma_up z
     * </pre>
     */
    @Override
    public SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options) {
        Timesteps.requireTimestepsSet(numInferenceSteps);
        Samples.requireSameShape(modelOutput, sample);
        initStepIndex(timestep);
        float sigma = sigmas[stepIndex];

        // 1. The denoised sample D(x; sigma) from the model's prediction.
        NDArray predOriginalSample = switch (settings.predictionType()) {
            case EPSILON -> sample.sub(modelOutput.mul(sigma));
            case V_PREDICTION -> modelOutput.mul(-sigma / (float) Math.sqrt(sigma * sigma + 1))
                    .add(sample.div(sigma * sigma + 1));
            case SAMPLE -> throw new IllegalStateException("rejected in the constructor");
        };

        // 2. Split the step into a deterministic part down to sigma_down and fresh noise of sigma_up.
        float sigmaFrom = sigmas[stepIndex];
        float sigmaTo = sigmas[stepIndex + 1];
        float sigmaUp = (float) Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
                / (sigmaFrom * sigmaFrom));
        float sigmaDown = (float) Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);

        // 3. The Euler step with the ODE derivative d = (x - D) / sigma.
        NDArray derivative = sample.sub(predOriginalSample).div(sigma);
        float dt = sigmaDown - sigma;
        NDArray prevSample = sample.add(derivative.mul(dt));

        // 4. Add sigma_up z, z ~ N(0, I).
        NDArray noise = options.randn(modelOutput.getShape(), modelOutput.getManager());
        prevSample = prevSample.add(noise.mul(sigmaUp));
        stepIndex++;
        return new SchedulerOutput(prevSample, predOriginalSample);
    }

    /** x = x_0 + sigma noise, at the sigma of each given inference timestep. */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        Samples.requireSameShape(noise, original, "noise");
        double[] schedule = timesteps();
        float[] levels = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            levels[i] = sigmas[Timesteps.indexOf(schedule, timesteps[i])];
        }
        return original.add(noise.mul(Samples.perItem(original, levels)));
    }

    @Override
    public int order() {
        return 1;
    }

    /** The first call of a run finds the step index from the timestep (the second match if it repeats). */
    private void initStepIndex(double timestep) {
        Timesteps.requireTimestepsSet(numInferenceSteps);
        int index = Timesteps.indexOf(timesteps(), timestep);
        if (stepIndex < 0) {
            stepIndex = index;
        } else if (stepIndex >= timesteps.length) {
            throw new IllegalStateException(Timesteps.allStepsTaken(timesteps.length));
        }
    }
}
