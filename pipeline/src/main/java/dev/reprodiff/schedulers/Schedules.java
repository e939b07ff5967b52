package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;

import java.util.Arrays;
import java.util.List;

/**
 * The building blocks every scheduler shares (beta schedules, alphas_cumprod, timestep spacing, sigma tables), each
 * computed with the dtypes diffusers uses so that the numbers match it exactly.
 */
final class Schedules {

    static final String NOT_SET = "Number of inference steps is not set; call setTimesteps(...) after creating the"
            + " scheduler";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** Fails with {@link #NOT_SET} unless {@code setTimesteps} has run. */
    static void requireTimestepsSet(int numInferenceSteps) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException(NOT_SET);
        }
    }

    /** The largest sigma, or sqrt(sigma_max^2 + 1) for {@code leading} spacing (float32, as diffusers). */
    static double initNoiseSigma(float[] sigmas, TimestepSpacing spacing) {
        float maxSigma = 0;
        for (float sigma : sigmas) {
            maxSigma = Math.max(maxSigma, sigma);
        }
        if (spacing == TimestepSpacing.LEADING) {
            return (float) Math.sqrt(maxSigma * maxSigma + 1);
        }
        return maxSigma;
    }

    private Schedules() {
    }

    // ---- configuration -------------------------------------------------------------------------------------------

    static String configValue(Enum<?> constant) {
        try {
            JsonProperty property = constant.getDeclaringClass().getField(constant.name())
                    .getAnnotation(JsonProperty.class);
            return property != null ? property.value() : constant.name();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails with the configuration's supported values when a scheduler cannot use a value its config type allows. */
    static void requireSupported(boolean supported, ConfigFile config, String key, Enum<?> value,
                                 List<? extends Enum<?>> values) {
        if (!supported) {
            throw ConfigException.unsupported(config.source(), key, configValue(value),
                    values.stream().map(Schedules::configValue).toList());
        }
    }

    /** A configuration file holding {@code values} (a config record), for schedulers built from a record. */
    static ConfigFile toConfigFile(String className, Record values) {
        ObjectNode node = MAPPER.valueToTree(values);
        node.put("_class_name", className);
        return ConfigFile.of(className + " configuration", node);
    }

    // ---- training schedule (float32 torch tensors in diffusers) --------------------------------------------------

    /** {@code betas}: {@code trained_betas} if given, else the named schedule over {@code numTrainTimesteps}. */
    static float[] betas(BetaSchedule schedule, int numTrainTimesteps, double betaStart, double betaEnd,
                         List<Double> trainedBetas) {
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

    // ---- inference timesteps (numpy float64 / int64 in diffusers) -----------------------------------------------

    static void requireInferenceSteps(int numInferenceSteps, int numTrainTimesteps) {
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("numInferenceSteps must be at least 1 but was " + numInferenceSteps);
        }
        if (numInferenceSteps > numTrainTimesteps) {
            throw new IllegalArgumentException("numInferenceSteps (" + numInferenceSteps + ") cannot be larger than"
                    + " num_train_timesteps (" + numTrainTimesteps + "): the model was trained on "
                    + numTrainTimesteps + " timesteps only");
        }
    }

    /**
     * The integer timesteps of DDPM and DDIM, in descending order: {@code linspace} spreads them over
     * {@code [0, T - 1]}, {@code leading} starts at 0 and adds {@code steps_offset}, {@code trailing} ends at
     * {@code T - 1}.
     */
    static long[] integerTimesteps(TimestepSpacing spacing, int numTrainTimesteps, int n, int stepsOffset) {
        long[] ascending = new long[n];
        switch (spacing) {
            case LINSPACE -> {
                double[] points = numpyLinspace(0, numTrainTimesteps - 1, n);
                for (int i = 0; i < n; i++) {
                    ascending[i] = (long) Math.rint(points[i]);
                }
            }
            case LEADING -> {
                long ratio = numTrainTimesteps / n;
                for (int i = 0; i < n; i++) {
                    ascending[i] = i * ratio + stepsOffset;
                }
            }
            case TRAILING -> {
                double[] points = numpyArange(numTrainTimesteps, 0, -((double) numTrainTimesteps / n));
                ascending = new long[points.length];
                for (int i = 0; i < points.length; i++) {
                    ascending[points.length - 1 - i] = (long) Math.rint(points[i]) - 1;
                }
            }
        }
        for (long t : ascending) {
            if (t < 0 || t >= numTrainTimesteps) {
                throw new IllegalArgumentException("Timestep " + t + " of " + spacing.configValue() + " spacing with "
                        + n + " steps and steps_offset " + stepsOffset + " is outside the training range [0, "
                        + numTrainTimesteps + "); use fewer steps or another timestep_spacing");
            }
        }
        return reversed(ascending);
    }

    /**
     * The float32 timesteps of the sigma-based (Euler) schedulers, in descending order: numpy computes them in
     * float64 and stores float32.
     */
    static float[] floatTimesteps(TimestepSpacing spacing, int numTrainTimesteps, int n, int stepsOffset) {
        return switch (spacing) {
            case LINSPACE -> {
                double[] points = numpyLinspace(0, numTrainTimesteps - 1, n);
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (float) points[n - 1 - i];
                }
                yield out;
            }
            case LEADING -> {
                long ratio = numTrainTimesteps / n;
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (float) ((n - 1 - i) * ratio) + (float) stepsOffset;
                }
                yield out;
            }
            case TRAILING -> {
                double[] points = numpyArange(numTrainTimesteps, 0, -((double) numTrainTimesteps / n));
                float[] out = new float[points.length];
                for (int i = 0; i < points.length; i++) {
                    out[i] = (float) Math.rint(points[i]) - 1f;
                }
                yield out;
            }
        };
    }

    static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /** {@code np.linspace(start, stop, num)}: {@code i * step + start}, the last point exactly {@code stop}. */
    static double[] numpyLinspace(double start, double stop, int num) {
        double[] points = new double[num];
        int div = num - 1;
        double delta = stop - start;
        double step = div > 0 ? delta / div : Double.NaN;
        for (int i = 0; i < num; i++) {
            points[i] = (step == 0 ? i / (double) div * delta : i * step) + start;
        }
        if (num > 1) {
            points[num - 1] = stop;
        }
        return points;
    }

    /** {@code np.arange(start, stop, step)} for floats: numpy fills {@code start + i * ((start + step) - start)}. */
    static double[] numpyArange(double start, double stop, double step) {
        int length = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] values = new double[length];
        double delta = (start + step) - start;
        for (int i = 0; i < length; i++) {
            values[i] = i == 0 ? start : i == 1 ? start + step : start + i * delta;
        }
        return values;
    }

    /** {@code np.interp(x, np.arange(len(fp)), fp)} in float64. */
    static double[] interp(double[] x, float[] fp) {
        double[] out = new double[x.length];
        int last = fp.length - 1;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (v <= 0) {
                out[i] = fp[0];
            } else if (v >= last) {
                out[i] = fp[last];
            } else {
                int j = (int) Math.floor(v);
                out[i] = v == j ? fp[j] : ((double) fp[j + 1] - fp[j]) * (v - j) + fp[j];
            }
        }
        return out;
    }

    /** Karras et al. (2022) noise levels, eq. (5) with rho = 7, in float64 as numpy does it. */
    static double[] karrasSigmas(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double[] ramp = numpyLinspace(0, 1, n);
        double minInvRho = Math.pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.pow(sigmaMax, 1 / rho);
        double[] sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            sigmas[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
        }
        return sigmas;
    }

    /**
     * diffusers' {@code _sigma_to_t}: the fractional training timestep of noise level {@code sigma}, by linear
     * interpolation in log-sigma. numpy computes the distances and weight in float32 (the log table's dtype) and
     * the final blend in float64.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        float logSigma = (float) Math.log(Math.max(sigma, 1e-10));
        int lowIdx = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                lowIdx = i;
            }
        }
        lowIdx = Math.min(lowIdx, logSigmas.length - 2);
        int highIdx = lowIdx + 1;
        float low = logSigmas[lowIdx];
        float high = logSigmas[highIdx];
        float w = (low - logSigma) / (low - high);
        w = Math.max(0f, Math.min(1f, w));
        return (double) (1 - w) * lowIdx + (double) w * highIdx;
    }

    static long[] reversed(long[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[values.length - 1 - i];
        }
        return out;
    }

    static double[] toDoubles(long[] values) {
        return Arrays.stream(values).asDoubleStream().toArray();
    }

    /** The position of {@code timestep} in {@code timesteps} (the second match if it occurs twice, as diffusers). */
    static int indexOf(double[] timesteps, double timestep) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == timestep) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        if (first < 0) {
            throw notInSchedule(timesteps, timestep);
        }
        return first;
    }

    static String allStepsTaken(int steps) {
        return "All " + steps + " steps of this run have been taken; call setTimesteps(...) to start a new run";
    }

    static IllegalArgumentException notInSchedule(double[] timesteps, double timestep) {
        return new IllegalArgumentException("Timestep " + timestep + " is not in the schedule "
                + Arrays.toString(timesteps) + "; pass one of timesteps()");
    }

    /** Fails unless the integer timestep is one of {@code timesteps}; returns it as an index into the tables. */
    static int requireScheduled(double[] timesteps, double timestep) {
        for (double t : timesteps) {
            if (t == timestep) {
                return (int) timestep;
            }
        }
        throw notInSchedule(timesteps, timestep);
    }

    // ---- tensors ------------------------------------------------------------------------------------------------

    static void requireSameShape(NDArray modelOutput, NDArray sample) {
        requireSameShape(modelOutput, sample, "model output");
    }

    static void requireSameShape(NDArray other, NDArray sample, String what) {
        if (!other.getShape().equals(sample.getShape())) {
            throw new IllegalArgumentException("The " + what + "'s shape " + other.getShape()
                    + " differs from the sample's shape " + sample.getShape()
                    + "; the scheduler needs one value per sample element");
        }
    }

    /** diffusers' {@code randn_tensor(shape, generator)} with the step's generator(s); a fresh seeded one if none. */
    static NDArray randn(Shape shape, StepOptions options, NDManager manager) {
        if (options.generators() != null) {
            return RandomTensors.randnTensor(shape, options.generators(), DataType.FLOAT32, manager);
        }
        Generator generator = options.generator();
        if (generator == null) {
            generator = new Generator();
            generator.seed();
        }
        return RandomTensors.randnTensor(shape, generator, DataType.FLOAT32, manager);
    }

    /**
     * A copy of {@code array} that the scheduler keeps from one step to the next: taken out of the current
     * {@link NDScope}, so that the pipeline's per-step scope does not close it; the scheduler closes it itself.
     */
    static NDArray keep(NDArray array) {
        NDArray copy = array.duplicate();
        NDScope.unregister(copy);
        return copy;
    }

    /** Closes an array the scheduler kept, if any. */
    static void release(NDArray kept) {
        if (kept != null) {
            kept.close();
        }
    }

    /** Fails early when a list of generators does not match the batch (before any state changes). */
    static void requireGeneratorsMatchBatch(StepOptions options, Shape shape) {
        if (options.generators() != null) {
            RandomTensors.requireOneGeneratorPerImage(shape, options.generators().size());
        }
    }

    /**
     * The forward process q(x_t | x_0) of DDPM (eq. 4 of https://arxiv.org/abs/2006.11239): x_t = sqrt(alpha_bar_t)
     * x_0 + sqrt(1 - alpha_bar_t) noise, one training timestep per batch item.
     */
    static NDArray addNoise(float[] alphasCumprod, NDArray original, NDArray noise, double[] timesteps) {
        requireSameShape(noise, original, "noise");
        int batch = (int) original.getShape().get(0);
        if (timesteps.length != batch) {
            throw new IllegalArgumentException("Expected one timestep per batch item (" + batch + ") but got "
                    + timesteps.length);
        }
        float[] signal = new float[batch];
        float[] noiseLevel = new float[batch];
        for (int i = 0; i < batch; i++) {
            double t = timesteps[i];
            if (t != Math.rint(t) || t < 0 || t >= alphasCumprod.length) {
                throw new IllegalArgumentException("addNoise timestep " + t + " is not an integer training timestep"
                        + " in [0, " + alphasCumprod.length + ")");
            }
            float alphaProd = alphasCumprod[(int) t];
            signal[i] = (float) Math.sqrt(alphaProd);
            noiseLevel[i] = (float) Math.sqrt(1 - alphaProd);
        }
        return original.mul(perItem(original, signal)).add(noise.mul(perItem(original, noiseLevel)));
    }

    /** One value per batch item, shaped to broadcast against {@code like}. */
    static NDArray perItem(NDArray like, float[] values) {
        long[] shape = new long[like.getShape().dimension()];
        Arrays.fill(shape, 1L);
        shape[0] = values.length;
        return like.getManager().create(values).reshape(new Shape(shape));
    }

    /**
     * Dynamic thresholding (Imagen, https://arxiv.org/abs/2205.11487): per image, s = the {@code ratio} quantile of
     * |x0| clamped to [1, maxValue]; x0 is clamped to [-s, s] and divided by s.
     */
    static NDArray threshold(NDArray x0, double ratio, double maxValue) {
        Shape shape = x0.getShape();
        int batch = (int) shape.get(0);
        int size = (int) (shape.size() / batch);
        float[] values = x0.toFloatArray();
        float[] s = new float[batch];
        for (int b = 0; b < batch; b++) {
            float[] row = new float[size];
            for (int i = 0; i < size; i++) {
                row[i] = Math.abs(values[b * size + i]);
            }
            Arrays.sort(row);
            s[b] = Math.max(1f, Math.min((float) maxValue, quantile(row, (float) ratio)));
        }
        NDArray bound = perItem(x0, s);
        return x0.minimum(bound).maximum(bound.neg()).div(bound);
    }

    /** {@code torch.quantile} (linear interpolation) of sorted float32 values. */
    private static float quantile(float[] sorted, float q) {
        float rank = q * (sorted.length - 1);
        int below = (int) rank;
        int above = (int) Math.ceil(rank);
        float weight = rank - below;
        float start = sorted[below];
        float end = sorted[above];
        return weight < 0.5f ? start + weight * (end - start) : end - (end - start) * (1 - weight);
    }
}
