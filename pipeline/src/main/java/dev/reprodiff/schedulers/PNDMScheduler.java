package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigFile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pseudo numerical methods for diffusion models (Liu et al. 2022, https://arxiv.org/abs/2202.09778): the DDIM
 * transfer of eq. (9) driven by a Runge-Kutta (PRK) warm-up and then linear multistep (PLMS) estimates of the noise.
 * Stable Diffusion skips the PRK warm-up ({@code skip_prk_steps}). Mirrors diffusers' {@code PNDMScheduler}.
 *
 * <p>The step keeps earlier model outputs (copies, outside the caller's {@code NDScope}) and closes them itself.
 */
public final class PNDMScheduler implements Scheduler {

    /** The order of the linear multistep method: up to four earlier noise estimates. */
    private static final int PNDM_ORDER = 4;

    private final ConfigFile config;
    private final PNDMSchedulerConfig settings;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private int numInferenceSteps;
    private long[] prkTimesteps = new long[0];
    private double[] timesteps = new double[0];
    /** e_t of the paper: the noise estimates of the steps so far, newest last (at most four kept). */
    private final List<NDArray> ets = new ArrayList<>();
    private int counter;
    /** The PRK weighted sum of this step's four model outputs so far (null is diffusers' 0). */
    private NDArray curModelOutput;
    private NDArray curSample;

    /** A scheduler with the given settings. */
    public PNDMScheduler(PNDMSchedulerConfig settings) {
        this(ConfigValues.toConfigFile("PNDMScheduler", settings), settings);
    }

    private PNDMScheduler(ConfigFile config, PNDMSchedulerConfig settings) {
        ConfigValues.requireSupported(settings.predictionType() != PredictionType.SAMPLE, config, "prediction_type",
                settings.predictionType(), List.of(PredictionType.EPSILON, PredictionType.V_PREDICTION));
        this.config = config;
        this.settings = settings;
        float[] betas = TrainingSchedule.betas(config, settings.betaSchedule(), settings.numTrainTimesteps(),
                settings.betaStart(), settings.betaEnd(), settings.trainedBetas());
        this.alphasCumprod = TrainingSchedule.alphasCumprod(betas);
        this.finalAlphaCumprod = settings.setAlphaToOne() ? 1.0f : alphasCumprod[0];
    }

    /** A scheduler built from a {@code scheduler_config.json}, possibly another scheduler's; unknown keys are kept. */
    public static PNDMScheduler fromConfig(ConfigFile config) {
        return new PNDMScheduler(config, config.bind(PNDMSchedulerConfig.class));
    }

    /** A scheduler of this configuration without this one's run state: what each pipeline call steps. */
    @Override
    public PNDMScheduler copy() {
        return new PNDMScheduler(config, settings);
    }

    @Override
    public ConfigFile config() {
        return config;
    }

    /** The typed settings this scheduler uses. */
    public PNDMSchedulerConfig schedulerConfig() {
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

    /**
     * The PRK timesteps (each of the last four intervals visited at its start, twice at its midpoint and at its end)
     * followed by the PLMS ones; with {@code skip_prk_steps}, the PLMS timesteps repeat the second one, where the
     * first PLMS step takes its second-order correction.
     */
    @Override
    public void setTimesteps(int numInferenceSteps) {
        Timesteps.requireInferenceSteps(numInferenceSteps, numTrainTimesteps());
        long[] ascending = Numpy.reversed(Timesteps.integerTimesteps(settings.timestepSpacing(),
                numTrainTimesteps(), numInferenceSteps, settings.stepsOffset()));
        int n = ascending.length;
        long[] plms;
        if (settings.skipPrkSteps()) {
            prkTimesteps = new long[0];
            long[] withRepeat = new long[n + 1];
            System.arraycopy(ascending, 0, withRepeat, 0, n - 1);
            withRepeat[n - 1] = ascending[Math.max(n - 2, 0)];
            withRepeat[n] = ascending[n - 1];
            if (n == 1) {
                withRepeat = new long[] {ascending[0]};
            }
            plms = Numpy.reversed(withRepeat);
        } else {
            long half = numTrainTimesteps() / numInferenceSteps / 2;
            long[] last = Arrays.copyOfRange(ascending, Math.max(n - PNDM_ORDER, 0), n);
            long[] starts = new long[2 * last.length];                    // t, t + half for each of the last four
            for (int i = 0; i < last.length; i++) {
                starts[2 * i] = last[i];
                starts[2 * i + 1] = last[i] + half;
            }
            long[] repeated = new long[2 * (starts.length - 1)];        // prk[:-1].repeat(2)
            for (int i = 0; i < starts.length - 1; i++) {
                repeated[2 * i] = starts[i];
                repeated[2 * i + 1] = starts[i];
            }
            prkTimesteps = Numpy.reversed(Arrays.copyOfRange(repeated, 1, Math.max(repeated.length - 1, 1)));
            plms = Numpy.reversed(Arrays.copyOfRange(ascending, 0, Math.max(n - 3, 0)));
        }
        long[] all = new long[prkTimesteps.length + plms.length];
        System.arraycopy(prkTimesteps, 0, all, 0, prkTimesteps.length);
        System.arraycopy(plms, 0, all, prkTimesteps.length, plms.length);
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = Numpy.toDoubles(all);
        resetHistory();
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

    /** A PRK step during the warm-up, a PLMS step after it. */
    @Override
    public SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options) {
        Timesteps.requireTimestepsSet(numInferenceSteps);
        Samples.requireSameShape(modelOutput, sample);
        int t = Timesteps.requireScheduled(timesteps, timestep);
        if (counter >= timesteps.length) {
            throw new IllegalStateException(Timesteps.allStepsTaken(timesteps.length));
        }
        NDArray prevSample = counter < prkTimesteps.length && !settings.skipPrkSteps()
                ? stepPrk(modelOutput, t, sample)
                : stepPlms(modelOutput, t, sample);
        return new SchedulerOutput(prevSample, null);
    }

    /**
     * Fourth-order Runge-Kutta on the noise estimate, one model evaluation per call.
     *
     * <pre>
     * counter % 4   evaluates at        contributes to e'_t
     * 0             t (e_1)             1/6 e_1   (x_t kept as curSample)
     * 1             t - delta/2 (e_2)   1/3 e_2
     * 2             t - delta/2 (e_3)   1/3 e_3
     * 3             t - delta (e_4)     1/6 e_4, then x_{t-delta} = phi(x_t, e'_t, t, t - delta)
     * </pre>
     * Each call returns phi from curSample with its own model output, so the next evaluation point gets its input.
     */
    private NDArray stepPrk(NDArray modelOutput, int timestep, NDArray sample) {
        int diffToPrev = counter % 2 == 1 ? 0 : numTrainTimesteps() / numInferenceSteps / 2;
        int prevTimestep = timestep - diffToPrev;
        int t = (int) prkTimesteps[counter / 4 * 4];
        NDArray noiseEstimate = modelOutput;
        switch (counter % 4) {
            case 0 -> {
                accumulate(modelOutput.mul((float) (1.0 / 6)));
                ets.add(Samples.keep(modelOutput));
                Samples.release(curSample);
                curSample = Samples.keep(sample);
            }
            case 1, 2 -> accumulate(modelOutput.mul((float) (1.0 / 3)));
            default -> {
                noiseEstimate = modelOutput.mul((float) (1.0 / 6)).add(curModelOutput);
                Samples.release(curModelOutput);
                curModelOutput = null;
            }
        }
        NDArray from = curSample != null ? curSample : sample;
        NDArray prevSample = prevSample(from, t, prevTimestep, noiseEstimate);
        counter++;
        return prevSample;
    }

    /**
     * Linear multistep (Adams-Bashforth) estimates of the noise, eq. (12) of the paper, of increasing order while
     * the history fills; without PRK warm-up the first step is a second-order (Heun-like) correction over the same
     * interval.
     */
    private NDArray stepPlms(NDArray modelOutput, int timestep, NDArray sample) {
        int t = timestep;
        int prevTimestep = t - numTrainTimesteps() / numInferenceSteps;
        if (counter != 1) {
            while (ets.size() > 3) {
                Samples.release(ets.remove(0));
            }
            ets.add(Samples.keep(modelOutput));
        } else {
            // The repeated timestep: redo the first interval with the average of both estimates.
            prevTimestep = t;
            t = t + numTrainTimesteps() / numInferenceSteps;
        }
        NDArray noiseEstimate;
        NDArray from = sample;
        int n = ets.size();
        if (n == 1 && counter == 0) {
            noiseEstimate = modelOutput;
            Samples.release(curSample);
            curSample = Samples.keep(sample);
        } else if (n == 1 && counter == 1) {
            noiseEstimate = modelOutput.add(ets.get(0)).div(2f);
            from = curSample;
        } else if (n == 2) {
            noiseEstimate = ets.get(1).mul(3f).sub(ets.get(0)).div(2f);
        } else if (n == 3) {
            noiseEstimate = ets.get(2).mul(23f).sub(ets.get(1).mul(16f)).add(ets.get(0).mul(5f)).div(12f);
        } else {
            noiseEstimate = ets.get(3).mul(55f).sub(ets.get(2).mul(59f)).add(ets.get(1).mul(37f))
                    .sub(ets.get(0).mul(9f)).mul((float) (1.0 / 24));
        }
        NDArray prevSample = prevSample(from, t, prevTimestep, noiseEstimate);
        if (n == 1 && counter == 1) {
            Samples.release(curSample);
            curSample = null;
        }
        counter++;
        return prevSample;
    }

    /**
     * The transfer phi(x_t, e_t, t, t - delta) of eq. (9): DDIM's update written with alpha_bar.
     *
     * <pre>
     * x_{t-delta} = sqrt(alpha_{t-delta} / alpha_t) x_t
     *             - (alpha_{t-delta} - alpha_t) e_t / (alpha_t sqrt(1 - alpha_{t-delta})
     *                                                  + sqrt(alpha_t (1 - alpha_t) alpha_{t-delta}))
     * </pre>
     */
    private NDArray prevSample(NDArray sample, int timestep, int prevTimestep, NDArray modelOutput) {
        float alphaProdT = alphasCumprod[timestep];
        float alphaProdTPrev = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod;
        float betaProdT = 1 - alphaProdT;
        float betaProdTPrev = 1 - alphaProdTPrev;
        NDArray epsilon = modelOutput;
        if (settings.predictionType() == PredictionType.V_PREDICTION) {
            epsilon = modelOutput.mul((float) Math.sqrt(alphaProdT)).add(sample.mul((float) Math.sqrt(betaProdT)));
        }
        float sampleCoeff = (float) Math.sqrt(alphaProdTPrev / alphaProdT);
        float modelOutputDenomCoeff = alphaProdT * (float) Math.sqrt(betaProdTPrev)
                + (float) Math.sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        return sample.mul(sampleCoeff).sub(epsilon.mul(alphaProdTPrev - alphaProdT).div(modelOutputDenomCoeff));
    }

    private void accumulate(NDArray weighted) {
        NDArray sum = curModelOutput == null ? weighted : curModelOutput.add(weighted);
        Samples.release(curModelOutput);
        curModelOutput = Samples.keep(sum);
    }

    private void resetHistory() {
        ets.forEach(Samples::release);
        ets.clear();
        Samples.release(curModelOutput);
        Samples.release(curSample);
        curModelOutput = null;
        curSample = null;
        counter = 0;
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        return Samples.addNoise(alphasCumprod, original, noise, timesteps);
    }

    /** 1, as in diffusers: the PRK sub-steps are listed in {@link #timesteps()}, one model evaluation each. */
    @Override
    public int order() {
        return 1;
    }
}
