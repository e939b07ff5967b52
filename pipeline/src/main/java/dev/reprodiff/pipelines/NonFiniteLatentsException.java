package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.Locale;

/**
 * A pipeline call stopped because a denoising step (or the VAE's decoding) produced values that are not finite
 * (NaN or an infinity), which no later step can undo. Usual causes: non-finite weights, a configuration the model
 * cannot run with (a negative {@code norm_eps}), or a scheduler setting that leaves the valid range.
 */
public final class NonFiniteLatentsException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final int stepIndex;

    private NonFiniteLatentsException(String message, int stepIndex) {
        super(message);
        this.stepIndex = stepIndex;
    }

    /** After step {@code stepIndex} (0 for the first) of a run over {@code timesteps}. */
    static NonFiniteLatentsException afterStep(String pipeline, NDArray latents, int stepIndex, double[] timesteps) {
        double t = timesteps[stepIndex];
        String step = String.format(Locale.ROOT, "step %d of %d (timestep %s)", stepIndex + 1, timesteps.length,
                t == Math.rint(t) ? Long.toString((long) t) : Double.toString(t));
        return new NonFiniteLatentsException(message(pipeline, step, latents), stepIndex);
    }

    /** After the VAE decoded the (finite) final latents. */
    static NonFiniteLatentsException afterDecoding(String pipeline, NDArray images) {
        return new NonFiniteLatentsException(message(pipeline, "the VAE's decoding", images), -1);
    }

    /** The step that produced the first non-finite values, 0 for the first; -1 if it was the VAE's decoding. */
    public int stepIndex() {
        return stepIndex;
    }

    private static String message(String pipeline, String where, NDArray values) {
        float[] flat = values.toFloatArray();
        int first = -1;
        long count = 0;
        for (int i = 0; i < flat.length; i++) {
            if (!Float.isFinite(flat[i])) {
                first = first < 0 ? i : first;
                count++;
            }
        }
        return String.format(Locale.ROOT, "%s: %s produced %d non-finite values of %d, the first %s at index %s."
                        + " Check the model's weights for NaN or infinite values, its configuration (a negative"
                        + " norm_eps?) and the scheduler's settings; no later step can undo this, so the call stops"
                        + " rather than return NaN images.",
                pipeline, where, count, flat.length, flat[first], index(first, values.getShape()));
    }

    /** The multi-dimensional index of a flat row-major position, as {@code (0, 1, 2, 3)}. */
    private static Shape index(int flat, Shape shape) {
        long[] index = new long[shape.dimension()];
        long rest = flat;
        for (int axis = index.length - 1; axis >= 0; axis--) {
            index[axis] = rest % shape.get(axis);
            rest /= shape.get(axis);
        }
        return new Shape(index);
    }
}
