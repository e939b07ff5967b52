package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Noise;

/**
 * The optional arguments of {@link Scheduler#step}, with diffusers' defaults: {@code eta} 0, no noise,
 * {@code use_clipped_model_output} false. A pipeline call passes the {@link Noise.Seeded noise} it decided when it
 * started, so that its initial latents and every stochastic step draw from the same generators.
 *
 * @param eta DDIM's weight of the noise added at each step (0 is deterministic DDIM, 1 is DDPM-like); a finite
 *        number, at least 0
 * @param noise where stochastic steps draw their noise, or {@code null} when no step of the run draws any
 * @param useClippedModelOutput DDIM: recompute the model output from the clipped x_0
 */
public record StepOptions(double eta, Noise.Seeded noise, boolean useClippedModelOutput) {

    public StepOptions {
        requireValidEta(eta);
    }

    /** No options: diffusers' defaults, and no noise (a stochastic step then asks for some). */
    public static StepOptions defaults() {
        return new StepOptions(0.0, null, false);
    }

    public StepOptions withEta(double newEta) {
        return new StepOptions(newEta, noise, useClippedModelOutput);
    }

    /** Stochastic steps draw from {@code newNoise}: {@code Noise.of(generator)}, or a call's {@code forBatch}. */
    public StepOptions withNoise(Noise.Seeded newNoise) {
        return new StepOptions(eta, newNoise, useClippedModelOutput);
    }

    public StepOptions withUseClippedModelOutput(boolean clipped) {
        return new StepOptions(eta, noise, clipped);
    }

    /**
     * {@code randn_tensor(shape, generator)} from this step's noise, float32 on {@code manager}.
     *
     * @throws IllegalStateException if these options carry no noise
     */
    NDArray randn(Shape shape, NDManager manager) {
        if (noise == null) {
            throw new IllegalStateException("This step adds random noise, but its StepOptions have none: pass"
                    + " StepOptions.defaults().withNoise(Noise.of(generator)) (a pipeline passes its call's noise)");
        }
        return noise.randn(shape, DataType.FLOAT32, manager);
    }

    /**
     * Fails unless {@code eta} is a finite number of at least 0: a negative or non-finite eta makes DDIM's variance
     * and every later sample NaN.
     *
     * @throws IllegalArgumentException naming the value
     */
    public static void requireValidEta(double eta) {
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("eta must be a finite number of at least 0 (0: deterministic DDIM, 1:"
                    + " DDPM-like noise), but got " + eta);
        }
    }
}
