package dev.reprodiff.schedulers;

import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;

import java.util.List;

/**
 * The training noise schedule every scheduler starts from (betas, alphas_cumprod, sigmas), computed in float32 as
 * diffusers' torch tensors hold it, so that the tables match diffusers' exactly.
 */
final class TrainingSchedule {

    private TrainingSchedule() {
    }

    /**
     * {@code betas}: {@code trained_betas} if given, else the named schedule over {@code numTrainTimesteps}.
     *
     * @throws ConfigException naming {@code config} if {@code num_train_timesteps} is below 1
     */
    static float[] betas(ConfigFile config, BetaSchedule schedule, int numTrainTimesteps, double betaStart,
                         double betaEnd, List<Double> trainedBetas) {
        if (numTrainTimesteps < 1) {
            throw ConfigException.invalid(config.source(), "num_train_timesteps", numTrainTimesteps, "an integer of"
                    + " at least 1 (the number of diffusion steps the model was trained with; diffusers' default is"
                    + " 1000)");
        }
        if (trainedBetas != null) {
            float[] betas = new float[trainedBetas.size()];
            for (int i = 0; i < betas.length; i++) {
                betas[i] = trainedBetas.get(i).floatValue();
            }
            return betas;
        }
        return switch (schedule) {
            case LINEAR -> torchLinspace(betaStart, betaEnd, numTrainTimesteps);
            case SCALED_LINEAR -> square(torchLinspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), numTrainTimesteps));
            case SQUAREDCOS_CAP_V2 -> betasForAlphaBar(numTrainTimesteps);
        };
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=torch.float32)} on the CPU, element for element: torch fills
     * the first half from {@code start} and the second from {@code end} with fused multiply-adds, eight lanes at a
     * time ({@code Vectorized<float>::arange}) and the last {@code steps % 16} one by one.
     */
    static float[] torchLinspace(double start, double end, int steps) {
        float first = (float) start;
        float last = (float) end;
        float step = (last - first) / (float) (steps - 1);
        int halfway = steps / 2;
        float[] out = new float[steps];
        int i = 0;
        for (; i <= steps - 16; i += 8) {
            float base = linspaceElement(first, last, step, halfway, steps, i);
            for (int lane = 0; lane < 8; lane++) {
                out[i + lane] = Math.fma((float) lane, step, base);
            }
        }
        for (; i < steps; i++) {
            out[i] = linspaceElement(first, last, step, halfway, steps, i);
        }
        return out;
    }

    private static float linspaceElement(float first, float last, float step, int halfway, int steps, int i) {
        return i < halfway ? Math.fma(step, (float) i, first) : Math.fma(-step, (float) (steps - i - 1), last);
    }

    /** Glide's cosine schedule ({@code squaredcos_cap_v2}): computed in double, stored as float32. */
    static float[] betasForAlphaBar(int numDiffusionTimesteps) {
        float[] betas = new float[numDiffusionTimesteps];
        for (int i = 0; i < numDiffusionTimesteps; i++) {
            double t1 = (double) i / numDiffusionTimesteps;
            double t2 = (double) (i + 1) / numDiffusionTimesteps;
            betas[i] = (float) Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
        return betas;
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** Zero terminal SNR (Algorithm 1 of https://arxiv.org/abs/2305.08891), in float32 as torch does it. */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        float[] alphasBarSqrt = alphasCumprod(betas);
        for (int i = 0; i < alphasBarSqrt.length; i++) {
            alphasBarSqrt[i] = (float) Math.sqrt(alphasBarSqrt[i]);
        }
        float first = alphasBarSqrt[0];
        float last = alphasBarSqrt[alphasBarSqrt.length - 1];
        float scale = first / (first - last);
        float[] alphasBar = new float[alphasBarSqrt.length];
        for (int i = 0; i < alphasBar.length; i++) {
            float shifted = (alphasBarSqrt[i] - last) * scale;     // shift so the last is 0, scale so the first stays
            alphasBar[i] = shifted * shifted;
        }
        float[] rescaled = new float[betas.length];
        rescaled[0] = 1 - alphasBar[0];
        for (int i = 1; i < rescaled.length; i++) {
            rescaled[i] = 1 - alphasBar[i] / alphasBar[i - 1];     // revert the cumulative product
        }
        return rescaled;
    }

    /** {@code torch.cumprod(1 - betas)}: torch's CPU kernel accumulates in double and stores float32. */
    static float[] alphasCumprod(float[] betas) {
        float[] alphasCumprod = new float[betas.length];
        double product = 1.0;
        for (int i = 0; i < betas.length; i++) {
            product *= (float) (1.0f - betas[i]);
            alphasCumprod[i] = (float) product;
        }
        return alphasCumprod;
    }

    /** {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5} in float32: the noise level of each training step. */
    static float[] sigmas(float[] alphasCumprod) {
        float[] sigmas = new float[alphasCumprod.length];
        for (int i = 0; i < sigmas.length; i++) {
            sigmas[i] = (float) Math.sqrt((1.0f - alphasCumprod[i]) / alphasCumprod[i]);
        }
        return sigmas;
    }

    /** {@code np.log} of a float32 table, as float32. */
    static float[] log(float[] values) {
        float[] logs = new float[values.length];
        for (int i = 0; i < logs.length; i++) {
            logs[i] = (float) Math.log(values[i]);
        }
        return logs;
    }

    private static float[] square(float[] values) {
        float[] squares = new float[values.length];
        for (int i = 0; i < squares.length; i++) {
            squares[i] = values[i] * values[i];
        }
        return squares;
    }
}
