package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/** What the steps do to sample tensors besides their algorithm: shape checks, kept history, noising, thresholding. */
final class Samples {

    private Samples() {
    }

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
