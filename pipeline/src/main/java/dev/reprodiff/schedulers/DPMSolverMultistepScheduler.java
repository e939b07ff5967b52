package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * DPM-Solver++ (Lu et al. 2022, https://arxiv.org/abs/2211.01095): a multistep solver of the diffusion ODE in
 * data prediction x_0, of order 1 to 3, and its SDE variant ({@code sde-dpmsolver++}), in half-log-SNR time
 * lambda = log(alpha_t / sigma_t). Mirrors diffusers' {@code DPMSolverMultistepScheduler} for the {@code ++}
 * algorithms.
 *
 * <p>The step keeps the last {@code solver_order} x_0 predictions (copies, outside the caller's {@code NDScope}) and
 * closes them itself.
 */
public final class DPMSolverMultistepScheduler implements Scheduler {

    private final ConfigFile config;
    private final DPMSolverMultistepSchedulerConfig settings;
    private final float[] alphasCumprod;
    /** lambda_t = log(alpha_t) - log(sigma_t) of every training timestep, float32. */
    private final float[] lambdaT;
    /** sigma of every training timestep, float32 as in diffusers. */
    private final float[] trainingSigmas;
    private final float[] logSigmas;
    private int numInferenceSteps;
    private long[] timesteps = new long[0];
    private float[] sigmas = new float[0];
    /** The x_0 predictions of the last {@code solver_order} steps, oldest first (null before they exist). */
    private final List<NDArray> modelOutputs = new ArrayList<>();
    private int lowerOrderNums;
    private int stepIndex = -1;

    /** A scheduler with the given settings. */
    public DPMSolverMultistepScheduler(DPMSolverMultistepSchedulerConfig settings) {
        this(ConfigValues.toConfigFile("DPMSolverMultistepScheduler", settings), settings);
    }

    private DPMSolverMultistepScheduler(ConfigFile config, DPMSolverMultistepSchedulerConfig settings) {
        validate(config, settings);
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
        this.lambdaT = new float[alphasCumprod.length];
        for (int i = 0; i < lambdaT.length; i++) {
            float alpha = (float) Math.sqrt(alphasCumprod[i]);
            float sigma = (float) Math.sqrt(1 - alphasCumprod[i]);
            lambdaT[i] = (float) Math.log(alpha) - (float) Math.log(sigma);
        }
        this.trainingSigmas = TrainingSchedule.sigmas(alphasCumprod);
        this.logSigmas = TrainingSchedule.log(trainingSigmas);
        resetHistory();
    }

    private static void validate(ConfigFile config, DPMSolverMultistepSchedulerConfig settings) {
        int order = settings.solverOrder();
        boolean sde = settings.algorithmType() == AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS;
        if (order < 1 || order > 3 || (sde && order == 3)) {
            throw ConfigException.unsupported(config.source(), "solver_order", order,
                    sde ? List.of(1, 2) : List.of(1, 2, 3));
        }
        // diffusers reads variance_type only to split a learned variance off the model output; any other value
        // (DDPM's "fixed_large" arrives through from_config) changes nothing.
        if ("learned".equals(settings.varianceType()) || "learned_range".equals(settings.varianceType())) {
            throw ConfigException.unsupported(config.source(), "variance_type", settings.varianceType(),
                    Arrays.asList(null, "fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log"));
        }
    }

    /** A scheduler built from a {@code scheduler_config.json}, possibly another scheduler's; unknown keys are kept. */
    public static DPMSolverMultistepScheduler fromConfig(ConfigFile config) {
        return new DPMSolverMultistepScheduler(config, config.bind(DPMSolverMultistepSchedulerConfig.class));
    }

    /** A scheduler of this configuration without this one's run state: what each pipeline call steps. */
    @Override
    public DPMSolverMultistepScheduler copy() {
        return new DPMSolverMultistepScheduler(config, settings);
    }

    @Override
    public ConfigFile config() {
        return config;
    }

    /** The typed settings this scheduler uses. */
    public DPMSolverMultistepSchedulerConfig schedulerConfig() {
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
        int lastTimestep = numTrainTimesteps() - clippedIndex();
        long[] steps = spacedTimesteps(lastTimestep, numInferenceSteps);
        double[] levels;
        if (settings.useKarrasSigmas()) {
            levels = Timesteps.karrasSigmas(trainingSigmas[0], trainingSigmas[trainingSigmas.length - 1],
                    numInferenceSteps);
            steps = roundedTimesteps(levels);
        } else if (settings.useLuLambdas()) {
            // Uniform in log-sigma between the schedule's ends (diffusers' _convert_to_lu with rho = 1).
            double[] ramp = Numpy.linspace(0, 1, numInferenceSteps);
            double lambdaMin = logSigmas[0];
            double lambdaMax = logSigmas[logSigmas.length - 1];
            levels = new double[numInferenceSteps];
            for (int i = 0; i < levels.length; i++) {
                levels[i] = Math.exp(lambdaMax + ramp[i] * (lambdaMin - lambdaMax));
            }
            steps = roundedTimesteps(levels);
        } else {
            levels = Numpy.interp(Numpy.toDoubles(steps), trainingSigmas);
        }
        float[] withFinal = new float[levels.length + 1];
        for (int i = 0; i < levels.length; i++) {
            withFinal[i] = (float) levels[i];
        }
        withFinal[levels.length] = settings.finalSigmasType() == FinalSigmasType.ZERO ? 0f : trainingSigmas[0];
        this.timesteps = steps;
        this.sigmas = withFinal;
        this.numInferenceSteps = steps.length;
        resetHistory();
    }

    /** How many of the smallest lambdas lie below {@code lambda_min_clipped} (torch.searchsorted on the flip). */
    private int clippedIndex() {
        float threshold = settings.lambdaMinClipped().floatValue();
        int count = 0;
        for (int i = lambdaT.length - 1; i >= 0 && lambdaT[i] < threshold; i--) {
            count++;
        }
        return count;
    }

    private long[] spacedTimesteps(int lastTimestep, int n) {
        return switch (settings.timestepSpacing()) {
            case LINSPACE -> {
                double[] points = Numpy.linspace(0, lastTimestep - 1, n + 1);
                long[] out = new long[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (long) Math.rint(points[n - i]);
                }
                yield out;
            }
            case LEADING -> {
                long ratio = lastTimestep / (n + 1);
                long[] out = new long[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (n - i) * ratio + settings.stepsOffset();
                }
                yield out;
            }
            case TRAILING -> {
                double[] points = Numpy.arange(lastTimestep, 0, -((double) numTrainTimesteps() / n));
                long[] out = new long[points.length];
                for (int i = 0; i < points.length; i++) {
                    out[i] = (long) Math.rint(points[i]) - 1;
                }
                yield out;
            }
        };
    }

    private long[] roundedTimesteps(double[] levels) {
        long[] steps = new long[levels.length];
        for (int i = 0; i < levels.length; i++) {
            steps[i] = (long) Math.rint(Timesteps.sigmaToT(levels[i], logSigmas));
        }
        return steps;
    }

    @Override
    public double[] timesteps() {
        return Numpy.toDoubles(timesteps);
    }

    /** The noise level of each inference step, and 0 (or sigma_min) after the last; float32 values. */
    public double[] sigmas() {
        return Numpy.toDoubles(sigmas);
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
     * One multistep update from sigma_s0 = sigmas[i] to sigma_t = sigmas[i + 1].
     *
     * <pre>
     * code                      Lu et al. (2022)
     * alphaT, sigmaT            alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma alpha_t (VP from the sigma table)
     * lambdaT                   lambda_t = log(alpha_t) - log(sigma_t), the half-log-SNR
     * h                         h_i = lambda_t - lambda_s0
     * m0, m1, m2                x_theta at the current and the two previous steps (data prediction)
     * r0, r1                    h_{i-1} / h_i, h_{i-2} / h_i
     * D0, D1, D2                the finite-difference estimates of x_theta and its derivatives
     * noise                     z ~ N(0, I) of the SDE variant
     * </pre>
     */
    @Override
    public SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options) {
        Timesteps.requireTimestepsSet(numInferenceSteps);
        Samples.requireSameShape(modelOutput, sample);
        boolean sde = settings.algorithmType() == AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS;
        int index = Timesteps.indexOf(timesteps(), timestep);
        if (stepIndex < 0) {
            stepIndex = index;
        } else if (stepIndex >= timesteps.length) {
            throw new IllegalStateException(Timesteps.allStepsTaken(timesteps.length));
        }
        int order = settings.solverOrder();
        int last = timesteps.length - 1;
        boolean shortRun = settings.lowerOrderFinal() && timesteps.length < 15;

        // 1. Lower the order at the end: the last step is first order (always with a zero final sigma).
        boolean lowerOrderFinal = stepIndex == last && (settings.eulerAtFinal() || shortRun
                || settings.finalSigmasType() == FinalSigmasType.ZERO);
        boolean lowerOrderSecond = stepIndex == last - 1 && shortRun;

        // 2. The data prediction x_theta(x_t, t) (eq. 2 of the paper), kept for the next steps.
        NDArray x0 = convertModelOutput(modelOutput, sample);
        Samples.release(modelOutputs.remove(0));
        modelOutputs.add(Samples.keep(x0));

        // 3. The SDE variant's fresh noise.
        NDArray noise = sde ? options.randn(modelOutput.getShape(), modelOutput.getManager()) : null;

        // 4. The update of the highest order the history allows.
        NDArray prevSample;
        if (order == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
            prevSample = firstOrderUpdate(x0, sample, noise);
        } else if (order == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
            prevSample = secondOrderUpdate(sample, noise);
        } else {
            prevSample = thirdOrderUpdate(sample);
        }
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
        stepIndex++;
        return new SchedulerOutput(prevSample, null);
    }

    /** x_0 from the model's prediction at sigmas[stepIndex], thresholded if configured. */
    private NDArray convertModelOutput(NDArray modelOutput, NDArray sample) {
        float sigma = sigmas[stepIndex];
        float alphaT = alphaOf(sigma);
        float sigmaT = sigma * alphaT;
        NDArray x0 = switch (settings.predictionType()) {
            case EPSILON -> sample.sub(modelOutput.mul(sigmaT)).div(alphaT);
            case SAMPLE -> modelOutput;
            case V_PREDICTION -> sample.mul(alphaT).sub(modelOutput.mul(sigmaT));
        };
        if (settings.thresholding()) {
            x0 = Samples.threshold(x0, settings.dynamicThresholdingRatio(), settings.sampleMaxValue());
        }
        return x0;
    }

    /** DPM-Solver++(1), eq. (5) — DDIM in data prediction; the SDE variant adds noise (eq. 18). */
    private NDArray firstOrderUpdate(NDArray x0, NDArray sample, NDArray noise) {
        float sigmaT = sigmas[stepIndex + 1];
        float sigmaS = sigmas[stepIndex];
        float alphaT = alphaOf(sigmaT);
        float alphaS = alphaOf(sigmaS);
        sigmaT = sigmaT * alphaT;
        sigmaS = sigmaS * alphaS;
        float h = lambda(alphaT, sigmaT) - lambda(alphaS, sigmaS);
        if (noise == null) {
            float expm = (float) Math.exp(-h) - 1.0f;
            return sample.mul(sigmaT / sigmaS).sub(x0.mul(alphaT * expm));
        }
        float exp2 = (float) Math.exp(-2.0f * h);
        return sample.mul(sigmaT / sigmaS * (float) Math.exp(-h))
                .add(x0.mul(alphaT * (1 - exp2)))
                .add(noise.mul(sigmaT * (float) Math.sqrt(1.0f - exp2)));
    }

    /** Multistep DPM-Solver++(2M), Algorithm 2 of the paper (midpoint or Heun weighting of D1). */
    private NDArray secondOrderUpdate(NDArray sample, NDArray noise) {
        float sigmaT = sigmas[stepIndex + 1];
        float sigmaS0 = sigmas[stepIndex];
        float sigmaS1 = sigmas[stepIndex - 1];
        float alphaT = alphaOf(sigmaT);
        float alphaS0 = alphaOf(sigmaS0);
        float alphaS1 = alphaOf(sigmaS1);
        sigmaT = sigmaT * alphaT;
        sigmaS0 = sigmaS0 * alphaS0;
        sigmaS1 = sigmaS1 * alphaS1;
        float lambdaT0 = lambda(alphaT, sigmaT);
        float lambdaS0 = lambda(alphaS0, sigmaS0);
        float lambdaS1 = lambda(alphaS1, sigmaS1);
        NDArray m0 = modelOutputs.get(modelOutputs.size() - 1);
        NDArray m1 = modelOutputs.get(modelOutputs.size() - 2);
        float h = lambdaT0 - lambdaS0;
        float h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;
        NDArray d0 = m0;
        NDArray d1 = m0.sub(m1).mul(1.0f / r0);
        boolean midpoint = settings.solverType() == SolverType.MIDPOINT;
        if (noise == null) {
            float expm = (float) Math.exp(-h) - 1.0f;
            NDArray xT = sample.mul(sigmaT / sigmaS0).sub(d0.mul(alphaT * expm));
            return midpoint
                    ? xT.sub(d1.mul(0.5f * (alphaT * expm)))
                    : xT.add(d1.mul(alphaT * (expm / h + 1.0f)));
        }
        float exp2 = (float) Math.exp(-2.0f * h);
        NDArray xT = sample.mul(sigmaT / sigmaS0 * (float) Math.exp(-h)).add(d0.mul(alphaT * (1 - exp2)));
        xT = midpoint
                ? xT.add(d1.mul(0.5f * (alphaT * (1 - exp2))))
                : xT.add(d1.mul(alphaT * ((1.0f - exp2) / (-2.0f * h) + 1.0f)));
        return xT.add(noise.mul(sigmaT * (float) Math.sqrt(1.0f - exp2)));
    }

    /** Multistep DPM-Solver++(3M) (the third-order update of Lu et al., data prediction). */
    private NDArray thirdOrderUpdate(NDArray sample) {
        float sigmaT = sigmas[stepIndex + 1];
        float sigmaS0 = sigmas[stepIndex];
        float sigmaS1 = sigmas[stepIndex - 1];
        float sigmaS2 = sigmas[stepIndex - 2];
        float alphaT = alphaOf(sigmaT);
        float alphaS0 = alphaOf(sigmaS0);
        float alphaS1 = alphaOf(sigmaS1);
        float alphaS2 = alphaOf(sigmaS2);
        sigmaT = sigmaT * alphaT;
        sigmaS0 = sigmaS0 * alphaS0;
        sigmaS1 = sigmaS1 * alphaS1;
        sigmaS2 = sigmaS2 * alphaS2;
        float lambdaT0 = lambda(alphaT, sigmaT);
        float lambdaS0 = lambda(alphaS0, sigmaS0);
        float lambdaS1 = lambda(alphaS1, sigmaS1);
        float lambdaS2 = lambda(alphaS2, sigmaS2);
        int n = modelOutputs.size();
        NDArray m0 = modelOutputs.get(n - 1);
        NDArray m1 = modelOutputs.get(n - 2);
        NDArray m2 = modelOutputs.get(n - 3);
        float h = lambdaT0 - lambdaS0;
        float h0 = lambdaS0 - lambdaS1;
        float h1 = lambdaS1 - lambdaS2;
        float r0 = h0 / h;
        float r1 = h1 / h;
        NDArray d10 = m0.sub(m1).mul(1.0f / r0);
        NDArray d11 = m1.sub(m2).mul(1.0f / r1);
        NDArray d1 = d10.add(d10.sub(d11).mul(r0 / (r0 + r1)));
        NDArray d2 = d10.sub(d11).mul(1.0f / (r0 + r1));
        float expm = (float) Math.exp(-h) - 1.0f;
        return sample.mul(sigmaT / sigmaS0)
                .sub(m0.mul(alphaT * expm))
                .add(d1.mul(alphaT * (expm / h + 1.0f)))
                .sub(d2.mul(alphaT * ((expm + h) / (h * h) - 0.5f)));
    }

    /** alpha_t = 1 / sqrt(sigma^2 + 1): the VP signal level of noise level sigma. */
    private static float alphaOf(float sigma) {
        return 1 / (float) Math.sqrt(sigma * sigma + 1);
    }

    private static float lambda(float alpha, float sigma) {
        return (float) Math.log(alpha) - (float) Math.log(sigma);
    }

    /** x = alpha_t x_0 + sigma_t noise at the sigma of each given inference timestep. */
    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        Samples.requireSameShape(noise, original, "noise");
        double[] schedule = timesteps();
        float[] signal = new float[timesteps.length];
        float[] noiseLevel = new float[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            float sigma = sigmas[Timesteps.indexOf(schedule, timesteps[i])];
            signal[i] = alphaOf(sigma);
            noiseLevel[i] = sigma * signal[i];
        }
        return original.mul(Samples.perItem(original, signal))
                .add(noise.mul(Samples.perItem(original, noiseLevel)));
    }

    @Override
    public int order() {
        return 1;
    }

    private void resetHistory() {
        modelOutputs.forEach(Samples::release);
        modelOutputs.clear();
        for (int i = 0; i < settings.solverOrder(); i++) {
            modelOutputs.add(null);
        }
        lowerOrderNums = 0;
        stepIndex = -1;
    }
}
