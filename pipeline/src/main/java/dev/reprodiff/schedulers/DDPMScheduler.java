package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigFile;

/**
 * Denoising diffusion probabilistic models (Ho et al. 2020, https://arxiv.org/abs/2006.11239): ancestral sampling
 * from the posterior q(x_{t-1} | x_t, x_0) with the model's prediction of x_0. Mirrors diffusers'
 * {@code DDPMScheduler}.
 */
public final class DDPMScheduler implements Scheduler {

    private final ConfigFile config;
    private final DDPMSchedulerConfig settings;
    private final float[] alphasCumprod;
    private int numInferenceSteps;
    private double[] timesteps = new double[0];

    /** A scheduler with the given settings. */
    public DDPMScheduler(DDPMSchedulerConfig settings) {
        this(ConfigValues.toConfigFile("DDPMScheduler", settings), settings);
    }

    private DDPMScheduler(ConfigFile config, DDPMSchedulerConfig settings) {
        this.config = config;
        this.settings = settings;
        float[] betas = TrainingSchedule.betas(config, settings.betaSchedule(), settings.numTrainTimesteps(),
                settings.betaStart(), settings.betaEnd(), settings.trainedBetas());
        if (settings.rescaleBetasZeroSnr()) {
            betas = TrainingSchedule.rescaleZeroTerminalSnr(betas);
        }
        this.alphasCumprod = TrainingSchedule.alphasCumprod(betas);
    }

    /** A scheduler built from a {@code scheduler_config.json}, possibly another scheduler's; unknown keys are kept. */
    public static DDPMScheduler fromConfig(ConfigFile config) {
        return new DDPMScheduler(config, config.bind(DDPMSchedulerConfig.class));
    }

    /** A scheduler of this configuration without this one's run state: what each pipeline call steps. */
    @Override
    public DDPMScheduler copy() {
        return new DDPMScheduler(config, settings);
    }

    @Override
    public ConfigFile config() {
        return config;
    }

    /** The typed settings this scheduler uses. */
    public DDPMSchedulerConfig schedulerConfig() {
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
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = Numpy.toDoubles(Timesteps.integerTimesteps(settings.timestepSpacing(),
                numTrainTimesteps(), numInferenceSteps, settings.stepsOffset()));
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, double timestep) {
        return sample;
    }

    /**
     * One ancestral step: the posterior mean of eq. (7) plus noise of the configured variance.
     *
     * <pre>
     * code                    paper
     * alphaProdT              alpha_bar_t
     * currentAlphaT           alpha_t = alpha_bar_t / alpha_bar_{t-1}
     * currentBetaT            beta_t = 1 - alpha_t
     * predOriginalSample      x_0 predicted from x_t, eq. (15)
     * predPrevSample          mu_tilde_t(x_t, x_0), eq. (7), then + sigma_t z
     * </pre>
     *
     * <p>{@code fixed_large_log} follows diffusers literally: it takes the square root of log(beta_t) &lt; 0, so every
     * step but the last yields NaN, as in diffusers v0.28.
     */
    @Override
    public SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options) {
        Timesteps.requireTimestepsSet(numInferenceSteps);
        Samples.requireSameShape(modelOutput, sample);
        int t = Timesteps.requireScheduled(timesteps, timestep);
        int prevT = t - numTrainTimesteps() / numInferenceSteps;

        // 1. alphas and betas (float32, as diffusers' 0-dim tensors).
        float alphaProdT = alphasCumprod[t];
        float alphaProdTPrev = prevT >= 0 ? alphasCumprod[prevT] : 1.0f;
        float betaProdT = 1 - alphaProdT;
        float betaProdTPrev = 1 - alphaProdTPrev;
        float currentAlphaT = alphaProdT / alphaProdTPrev;
        float currentBetaT = 1 - currentAlphaT;
        float sqrtAlphaProdT = (float) Math.sqrt(alphaProdT);
        float sqrtBetaProdT = (float) Math.sqrt(betaProdT);

        // 2. The predicted x_0, eq. (15): (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t).
        NDArray predOriginalSample = switch (settings.predictionType()) {
            case EPSILON -> sample.sub(modelOutput.mul(sqrtBetaProdT)).div(sqrtAlphaProdT);
            case SAMPLE -> modelOutput;
            case V_PREDICTION -> sample.mul(sqrtAlphaProdT).sub(modelOutput.mul(sqrtBetaProdT));
        };

        // 3. Threshold or clip the predicted x_0.
        if (settings.thresholding()) {
            predOriginalSample = Samples.threshold(predOriginalSample, settings.dynamicThresholdingRatio(),
                    settings.sampleMaxValue());
        } else if (settings.clipSample()) {
            float range = settings.clipSampleRange().floatValue();
            predOriginalSample = predOriginalSample.clip(-range, range);
        }

        // 4. The coefficients of x_0 and x_t in mu_tilde_t, eq. (7).
        float predOriginalSampleCoeff = ((float) Math.sqrt(alphaProdTPrev) * currentBetaT) / betaProdT;
        float currentSampleCoeff = (float) Math.sqrt(currentAlphaT) * betaProdTPrev / betaProdT;

        // 5. The posterior mean mu_tilde_t(x_t, x_0).
        NDArray predPrevSample = predOriginalSample.mul(predOriginalSampleCoeff)
                .add(sample.mul(currentSampleCoeff));

        // 6. Add sigma_t z, z ~ N(0, I), except at t = 0.
        if (t > 0) {
            NDArray varianceNoise = options.randn(modelOutput.getShape(), modelOutput.getManager());
            // beta_tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t, eq. (7), clamped for the logarithm.
            float variance = Math.max((1 - alphaProdTPrev) / (1 - alphaProdT) * currentBetaT, 1e-20f);
            float noiseScale = switch (settings.varianceType()) {
                case FIXED_SMALL -> (float) Math.sqrt(variance);
                case FIXED_SMALL_LOG -> (float) Math.exp(0.5f * (float) Math.log(variance));
                case FIXED_LARGE -> (float) Math.sqrt(currentBetaT);
                case FIXED_LARGE_LOG -> (float) Math.sqrt((float) Math.log(currentBetaT));
            };
            predPrevSample = predPrevSample.add(varianceNoise.mul(noiseScale));
        }
        return new SchedulerOutput(predPrevSample, predOriginalSample);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        return Samples.addNoise(alphasCumprod, original, noise, timesteps);
    }

    @Override
    public int order() {
        return 1;
    }
}
