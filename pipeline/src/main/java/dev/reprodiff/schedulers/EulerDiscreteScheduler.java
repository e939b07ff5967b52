package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigFile;

/**
 * Euler's method on the probability-flow ODE in the sigma parametrisation of Karras et al. (2022,
 * https://arxiv.org/abs/2206.00364, Algorithm 2 without churn), x = x_0 + sigma eps. Mirrors diffusers'
 * {@code EulerDiscreteScheduler}.
 */
public final class EulerDiscreteScheduler implements Scheduler {

    private final ConfigFile config;
    private final EulerDiscreteSchedulerConfig settings;
    private final float[] alphasCumprod;
    /** sigma of every training timestep, float32 as in diffusers. */
    private final float[] trainingSigmas;
    private final float[] logSigmas;
    private int numInferenceSteps;
    private float[] timesteps = new float[0];
    private float[] sigmas = new float[0];
    private int stepIndex = -1;

    /** A scheduler with the given settings. */
    public EulerDiscreteScheduler(EulerDiscreteSchedulerConfig settings) {
        this(ConfigValues.toConfigFile("EulerDiscreteScheduler", settings), settings);
    }

    private EulerDiscreteScheduler(ConfigFile config, EulerDiscreteSchedulerConfig settings) {
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
        this.logSigmas = TrainingSchedule.log(trainingSigmas);
    }

    /** A scheduler built from a {@code scheduler_config.json}, possibly another scheduler's; unknown keys are kept. */
    public static EulerDiscreteScheduler fromConfig(ConfigFile config) {
        return new EulerDiscreteScheduler(config, config.bind(EulerDiscreteSchedulerConfig.class));
    }

    /** A scheduler of this configuration without this one's run state: what each pipeline call steps. */
    @Override
    public EulerDiscreteScheduler copy() {
        return new EulerDiscreteScheduler(config, settings);
    }

    @Override
    public ConfigFile config() {
        return config;
    }

    /** The typed settings this scheduler uses. */
    public EulerDiscreteSchedulerConfig schedulerConfig() {
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
        if (settings.useKarrasSigmas()) {
            double sigmaMin = settings.sigmaMin() != null ? settings.sigmaMin() : levels[levels.length - 1];
            double sigmaMax = settings.sigmaMax() != null ? settings.sigmaMax() : levels[0];
            levels = Timesteps.karrasSigmas(sigmaMin, sigmaMax, numInferenceSteps);
            steps = new float[levels.length];
            for (int i = 0; i < levels.length; i++) {
                steps[i] = (float) Timesteps.sigmaToT(levels[i], logSigmas);
            }
        }
        float[] withFinal = new float[levels.length + 1];
        for (int i = 0; i < levels.length; i++) {
            withFinal[i] = (float) levels[i];
        }
        withFinal[levels.length] = settings.finalSigmasType() == FinalSigmasType.ZERO ? 0f : trainingSigmas[0];
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = steps;
        this.sigmas = withFinal;
        this.stepIndex = -1;
    }

    @Override
    public double[] timesteps() {
        return Numpy.toDoubles(timesteps);
    }

    /** The noise level of each inference step, and 0 (or sigma_min) after the last; float32 values. */
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
     * One Euler step from sigma_i to sigma_{i+1}.
     *
     * <pre>
     * code                 Karras et al. (2022)
     * sigma, sigmaHat      sigma_i (no churn: gamma = 0, so sigma_hat = sigma)
     * predOriginalSample   D(x; sigma), the denoised sample
     * derivative           d_i = (x - D(x; sigma)) / sigma, eq. (7)
     * dt                   sigma_{i+1} - sigma_i
     * prevSample           x_{i+1} = x_i + d_i dt
     * </pre>
     */
    @Override
    public SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options) {
        Timesteps.requireTimestepsSet(numInferenceSteps);
        Samples.requireSameShape(modelOutput, sample);
        initStepIndex(timestep);
        // 1. diffusers draws the churn noise at every step; with churn 0 it is unused, but the draw advances the
        //    call's generators, so we draw too when the options carry noise.
        if (options.noise() != null) {
            options.randn(modelOutput.getShape(), modelOutput.getManager());
        }
        float sigma = sigmas[stepIndex];
        float sigmaHat = sigma;

        // 2. The denoised sample D(x; sigma) from the model's prediction.
        NDArray predOriginalSample = switch (settings.predictionType()) {
            case EPSILON -> sample.sub(modelOutput.mul(sigmaHat));
            case V_PREDICTION -> modelOutput.mul(-sigma / (float) Math.sqrt(sigma * sigma + 1))
                    .add(sample.div(sigma * sigma + 1));
            case SAMPLE -> modelOutput;
        };

        // 3. The ODE derivative d = (x - D) / sigma, eq. (7) of Karras et al.
        NDArray derivative = sample.sub(predOriginalSample).div(sigmaHat);

        // 4. The Euler step x_{i+1} = x_i + d (sigma_{i+1} - sigma_i).
        float dt = sigmas[stepIndex + 1] - sigmaHat;
        NDArray prevSample = sample.add(derivative.mul(dt));
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
