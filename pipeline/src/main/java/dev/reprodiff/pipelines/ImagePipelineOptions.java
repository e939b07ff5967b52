package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import dev.reprodiff.schedulers.StepOptions;

import java.util.List;
import java.util.Objects;

/**
 * The arguments of an unconditional pipeline call ({@link DDPMPipeline}, {@link DDIMPipeline}), named as diffusers
 * names them. Immutable and checked when built: each setter-like method returns a copy, so a base set of options can
 * be shared (between threads too).
 *
 * <pre>{@code
 * ImagePipelineOutput out = pipeline.call(DDIMPipeline.options()
 *         .batchSize(1).generator(Generator.seeded(0)).numInferenceSteps(50).outputType(OutputType.NP));
 * }</pre>
 *
 * @param batchSize the number of images, at least 1
 * @param noise where the initial noise and every stochastic step draw from: {@link Noise#of} one generator,
 *        {@link Noise#perImage} one per image (image i then equals image 0 of a call with generator i alone), or
 *        {@link Noise#fresh()}, a new seed drawn when the call starts and reported by
 *        {@link ImagePipelineOutput#seeds()}
 * @param numInferenceSteps the number of denoising steps (at least 1), or {@code null} for the pipeline's default
 * @param eta DDIM's η (0: deterministic DDIM, 1: DDPM-like noise), finite and at least 0; ignored by other schedulers
 * @param useClippedModelOutput DDIM's {@code use_clipped_model_output}
 * @param outputType what {@link ImagePipelineOutput#images()} holds
 * @param callback called after every step, or {@code null}
 * @param manager where the results go (a sub-manager of it, freed by {@link ImagePipelineOutput#close()}), or
 *        {@code null} for the pipeline's own manager
 */
public record ImagePipelineOptions(int batchSize, Noise noise, Integer numInferenceSteps, double eta,
                                   boolean useClippedModelOutput, OutputType outputType, StepCallback callback,
                                   NDManager manager) {

    public ImagePipelineOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, but got " + batchSize);
        }
        if (numInferenceSteps != null && numInferenceSteps < 1) {
            throw new IllegalArgumentException("numInferenceSteps must be at least 1, but got " + numInferenceSteps);
        }
        StepOptions.requireValidEta(eta);
        Objects.requireNonNull(noise, "noise");
        Objects.requireNonNull(outputType, "outputType");
    }

    /** diffusers' defaults: one image, fresh noise, the pipeline's step count, eta 0, PIL output. */
    public static ImagePipelineOptions defaults() {
        return new ImagePipelineOptions(1, Noise.fresh(), null, 0.0, false, OutputType.PIL, null, null);
    }

    public ImagePipelineOptions batchSize(int value) {
        return new ImagePipelineOptions(value, noise, numInferenceSteps, eta, useClippedModelOutput, outputType,
                callback, manager);
    }

    public ImagePipelineOptions noise(Noise value) {
        return new ImagePipelineOptions(batchSize, value, numInferenceSteps, eta, useClippedModelOutput, outputType,
                callback, manager);
    }

    /** {@code noise(Noise.of(generator))}: one generator for the whole batch, as diffusers' {@code generator=g}. */
    public ImagePipelineOptions generator(Generator value) {
        return noise(Noise.of(value));
    }

    /** {@code noise(Noise.perImage(generators))}: one generator per image, as {@code generator=[g0, g1, ...]}. */
    public ImagePipelineOptions generators(List<Generator> value) {
        return noise(Noise.perImage(value));
    }

    public ImagePipelineOptions numInferenceSteps(int value) {
        return new ImagePipelineOptions(batchSize, noise, value, eta, useClippedModelOutput, outputType, callback,
                manager);
    }

    public ImagePipelineOptions eta(double value) {
        return new ImagePipelineOptions(batchSize, noise, numInferenceSteps, value, useClippedModelOutput,
                outputType, callback, manager);
    }

    public ImagePipelineOptions useClippedModelOutput(boolean value) {
        return new ImagePipelineOptions(batchSize, noise, numInferenceSteps, eta, value, outputType, callback,
                manager);
    }

    public ImagePipelineOptions outputType(OutputType value) {
        return new ImagePipelineOptions(batchSize, noise, numInferenceSteps, eta, useClippedModelOutput, value,
                callback, manager);
    }

    public ImagePipelineOptions callback(StepCallback value) {
        return new ImagePipelineOptions(batchSize, noise, numInferenceSteps, eta, useClippedModelOutput, outputType,
                value, manager);
    }

    public ImagePipelineOptions manager(NDManager value) {
        return new ImagePipelineOptions(batchSize, noise, numInferenceSteps, eta, useClippedModelOutput, outputType,
                callback, value);
    }
}
