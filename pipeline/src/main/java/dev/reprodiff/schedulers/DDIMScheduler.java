package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigFile;

/**
 * Denoising diffusion implicit models (Song et al. 2020, https://arxiv.org/abs/2010.02502): DDPM's training with a
 * non-Markovian reverse process that takes large deterministic steps ({@code eta = 0}) or DDPM-like stochastic ones
 * ({@code eta = 1}). Mirrors diffusers' {@code DDIMScheduler}.
 */
public final class DDIMScheduler implements Scheduler {

    private final ConfigFile config;
    private final DDIMSchedulerConfig settings;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private int numInferenceSteps;
    private double[] timesteps = new double[0];

    /** A scheduler with the given settings. */
    public DDIMScheduler(DDIMSchedulerConfig settings) {
        this(ConfigValues.toConfigFile("DDIMScheduler", settings), settings);
    }

    private DDIMScheduler(ConfigFile config, DDIMSchedulerConfig settings) {
        this.config = config;
        this.settings = settings;
        float[] betas = TrainingSchedule.betas(config, settings.betaSchedule(), settings.numTrainTimesteps(),
                settings.betaStart(), settings.betaEnd(), settings.trainedBetas());
        if (settings.rescaleBetasZeroSnr()) {
            betas = TrainingSchedule.rescaleZeroTerminalSnr(betas);
        }
        this.alphasCumprod = TrainingSchedule.alphasCumprod(betas);
        // The last step has no previous alpha product: 1, or alphas_cumprod[0] as Stable Diffusion trains it.
        this.finalAlphaCumprod = settings.setAlphaToOne() ? 1.0f : alphasCumprod[0];
    }

    /** A scheduler built from a {@code scheduler_config.json}, possibly another scheduler's; unknown keys are kept. */
    public static DDIMScheduler fromConfig(ConfigFile config) {
        return new DDIMScheduler(config, config.bind(DDIMSchedulerConfig.class));
    }

    /** A scheduler of this configuration without this one's run state: what each pipeline call steps. */
    @Override
    public DDIMScheduler copy() {
        return new DDIMScheduler(config, settings);
    }

    @Override
    public ConfigFile config() {
        return config;
    }

    /** The typed settings this scheduler uses. */
    public DDIMSchedulerConfig schedulerConfig() {
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
     * One DDIM step, eq. (12) of the paper.
     *
     * <pre>
     * code                    paper
     * modelOutput, predEpsilon  eps_theta(x_t, t)
     * predOriginalSample      f_theta(x_t, t), the predicted x_0
     * alphaProdT              alpha_t (the paper's alpha is diffusers' alphas_cumprod)
     * stdDevT                 sigma_t(eta)
     * predSampleDirection     "direction pointing to x_t"
     * prevSample              x_{t-1}
     * </pre>
     */
    @Override
    public SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options) {
        Timesteps.requireTimestepsSet(numInferenceSteps);
        Samples.requireSameShape(modelOutput, sample);
        int t = Timesteps.requireScheduled(timesteps, timestep);
        // 1. The previous timestep t - T / n (leading spacing; diffusers uses this ratio for every spacing).
        int prevTimestep = t - numTrainTimesteps() / numInferenceSteps;

        // 2. alpha_t, alpha_{t-1} and beta_t = 1 - alpha_t (float32, as diffusers' 0-dim tensors).
        float alphaProdT = alphasCumprod[t];
        float alphaProdTPrev = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod;
        float betaProdT = 1 - alphaProdT;
        float sqrtAlphaProdT = (float) Math.sqrt(alphaProdT);
        float sqrtBetaProdT = (float) Math.sqrt(betaProdT);

        // 3. The predicted x_0 and eps, eq. (12): x_0 = (x_t - sqrt(1 - alpha_t) eps) / sqrt(alpha_t).
        NDArray predOriginalSample;
        NDArray predEpsilon;
        switch (settings.predictionType()) {
            case EPSILON -> {
                predOriginalSample = sample.sub(modelOutput.mul(sqrtBetaProdT)).div(sqrtAlphaProdT);
                predEpsilon = modelOutput;
            }
            case SAMPLE -> {
                predOriginalSample = modelOutput;
                predEpsilon = sample.sub(predOriginalSample.mul(sqrtAlphaProdT)).div(sqrtBetaProdT);
            }
            case V_PREDICTION -> { // v = sqrt(alpha_t) eps - sqrt(1 - alpha_t) x_0 (Salimans & Ho 2022)
                predOriginalSample = sample.mul(sqrtAlphaProdT).sub(modelOutput.mul(sqrtBetaProdT));
                predEpsilon = modelOutput.mul(sqrtAlphaProdT).add(sample.mul(sqrtBetaProdT));
            }
            default -> throw new IllegalStateException(settings.predictionType().toString());
        }

        // 4. Threshold or clip the predicted x_0.
        if (settings.thresholding()) {
            predOriginalSample = Samples.threshold(predOriginalSample, settings.dynamicThresholdingRatio(),
                    settings.sampleMaxValue());
        } else if (settings.clipSample()) {
            float range = settings.clipSampleRange().floatValue();
            predOriginalSample = predOriginalSample.clip(-range, range);
        }

        // 5. sigma_t(eta) = eta sqrt((1 - alpha_{t-1}) / (1 - alpha_t)) sqrt(1 - alpha_t / alpha_{t-1}), eq. (16).
        float variance = ((1 - alphaProdTPrev) / betaProdT) * (1 - alphaProdT / alphaProdTPrev);
        float stdDevT = (float) options.eta() * (float) Math.sqrt(variance);

        if (options.useClippedModelOutput()) {
            // Glide re-derives eps from the clipped x_0.
            predEpsilon = sample.sub(predOriginalSample.mul(sqrtAlphaProdT)).div(sqrtBetaProdT);
        }

        // 6. The "direction pointing to x_t" of eq. (12): sqrt(1 - alpha_{t-1} - sigma_t^2) eps.
        NDArray predSampleDirection = predEpsilon.mul((float) Math.sqrt(1 - alphaProdTPrev - stdDevT * stdDevT));

        // 7. x_{t-1} without the random noise of eq. (12): sqrt(alpha_{t-1}) x_0 + direction.
        NDArray prevSample = predOriginalSample.mul((float) Math.sqrt(alphaProdTPrev)).add(predSampleDirection);

        // 8. Add sigma_t z, z ~ N(0, I), when eta > 0.
        if (options.eta() > 0) {
            NDArray varianceNoise = options.randn(modelOutput.getShape(), modelOutput.getManager());
            prevSample = prevSample.add(varianceNoise.mul(stdDevT));
        }
        return new SchedulerOutput(prevSample, predOriginalSample);
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
