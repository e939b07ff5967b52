package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import dev.reprodiff.schedulers.StepOptions;

import java.util.List;
import java.util.Objects;

/**
 * The arguments of a {@link StableDiffusionPipeline} call, named as diffusers' {@code StableDiffusionPipeline.__call__}
 * names them. Immutable: each setter-like method returns a copy, so a base set of options can be shared.
 *
 * <pre>{@code
 * ImagePipelineOutput out = pipeline.call(StableDiffusionPipeline.options()
 *         .prompt("Labrador in the style of Vermeer").numImagesPerPrompt(4)
 *         .generators(List.of(Generator.seeded(0), Generator.seeded(1), Generator.seeded(2), Generator.seeded(3)))
 *         .numInferenceSteps(50).outputType(OutputType.PIL));
 * }</pre>
 *
 * @param prompts one or more prompts (diffusers' {@code prompt}, a string or a list)
 * @param negativePrompts {@code null} (the empty prompt for each), one for all prompts, or one per prompt
 * @param guidanceScale classifier-free guidance weight g: {@code u + g (c - u)}; 1.0 or less runs without guidance
 *        (one UNet batch, no negative prompt), as diffusers
 * @param numImagesPerPrompt images per prompt (at least 1); image order is prompt 0 image 0, prompt 0 image 1, ...
 * @param noise where the initial latents and every stochastic step draw from: {@link Noise#of} one generator,
 *        {@link Noise#perImage} one per image ({@code prompts x numImagesPerPrompt}; image i then starts from the
 *        latents generator i alone would draw), or {@link Noise#fresh()}, a new seed drawn when the call starts and
 *        reported by {@link ImagePipelineOutput#seeds()}
 * @param height image height in pixels, a multiple of 8, or {@code null} for {@code unet.sample_size * vae_scale_factor}
 * @param width image width in pixels, a multiple of 8, or {@code null} for the default
 * @param numInferenceSteps denoising steps (at least 1), or {@code null} for 50
 * @param eta DDIM's η (0: deterministic DDIM), finite and at least 0; ignored by other schedulers
 * @param latents initial latents (batch, latent_channels, height / f, width / f) instead of drawn ones, or
 *        {@code null}; the pipeline copies them and scales them by the scheduler's {@code init_noise_sigma}
 * @param outputType {@link OutputType#LATENT} (the final latents, not decoded), {@link OutputType#NP} or
 *        {@link OutputType#PIL}
 * @param callback called after every step with the new latents, or {@code null}
 * @param manager where the results go (a sub-manager of it, freed by {@link ImagePipelineOutput#close()}), or
 *        {@code null} for the pipeline's own manager
 */
public record StableDiffusionOptions(List<String> prompts, List<String> negativePrompts, double guidanceScale,
                                     int numImagesPerPrompt, Noise noise, Integer height, Integer width,
                                     Integer numInferenceSteps, double eta, NDArray latents,
                                     OutputType outputType, StepCallback callback, NDManager manager) {

    /** diffusers' default {@code guidance_scale}. */
    public static final double DEFAULT_GUIDANCE_SCALE = 7.5;
    /** diffusers' default {@code num_inference_steps}. */
    public static final int DEFAULT_NUM_INFERENCE_STEPS = 50;

    public StableDiffusionOptions {
        if (numImagesPerPrompt < 1) {
            throw new IllegalArgumentException("numImagesPerPrompt must be at least 1, but got " + numImagesPerPrompt);
        }
        if (numInferenceSteps != null && numInferenceSteps < 1) {
            throw new IllegalArgumentException("numInferenceSteps must be at least 1, but got " + numInferenceSteps);
        }
        if (!Double.isFinite(guidanceScale)) {
            throw new IllegalArgumentException("guidanceScale must be a finite number (1.0 or less: no guidance),"
                    + " but got " + guidanceScale);
        }
        StepOptions.requireValidEta(eta);
        prompts = prompts == null ? null : List.copyOf(prompts);
        negativePrompts = negativePrompts == null ? null : List.copyOf(negativePrompts);
        Objects.requireNonNull(noise, "noise");
        Objects.requireNonNull(outputType, "outputType");
    }

    /** diffusers' defaults: no prompt yet, guidance 7.5, one image per prompt, fresh noise, 50 steps, eta 0, PIL. */
    public static StableDiffusionOptions defaults() {
        return new StableDiffusionOptions(null, null, DEFAULT_GUIDANCE_SCALE, 1, Noise.fresh(), null, null, null, 0.0,
                null, OutputType.PIL, null, null);
    }

    /** One prompt. */
    public StableDiffusionOptions prompt(String value) {
        return prompts(List.of(value));
    }

    /** A batch of prompts. */
    public StableDiffusionOptions prompts(List<String> value) {
        return new StableDiffusionOptions(value, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, eta, latents, outputType, callback, manager);
    }

    /** One negative prompt for every prompt. */
    public StableDiffusionOptions negativePrompt(String value) {
        return negativePrompts(value == null ? null : List.of(value));
    }

    /** One negative prompt per prompt (or one for all). */
    public StableDiffusionOptions negativePrompts(List<String> value) {
        return new StableDiffusionOptions(prompts, value, guidanceScale, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, eta, latents, outputType, callback, manager);
    }

    public StableDiffusionOptions guidanceScale(double value) {
        return new StableDiffusionOptions(prompts, negativePrompts, value, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, eta, latents, outputType, callback, manager);
    }

    public StableDiffusionOptions numImagesPerPrompt(int value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, value, noise,
                height, width, numInferenceSteps, eta, latents, outputType, callback, manager);
    }

    public StableDiffusionOptions noise(Noise value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, value, height,
                width, numInferenceSteps, eta, latents, outputType, callback, manager);
    }

    /** {@code noise(Noise.of(generator))}: one generator for the whole batch, as diffusers' {@code generator=g}. */
    public StableDiffusionOptions generator(Generator value) {
        return noise(Noise.of(value));
    }

    /** {@code noise(Noise.perImage(generators))}: one generator per image, as {@code generator=[g0, g1, ...]}. */
    public StableDiffusionOptions generators(List<Generator> value) {
        return noise(Noise.perImage(value));
    }

    public StableDiffusionOptions height(int value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                value, width, numInferenceSteps, eta, latents, outputType, callback, manager);
    }

    public StableDiffusionOptions width(int value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, value, numInferenceSteps, eta, latents, outputType, callback, manager);
    }

    public StableDiffusionOptions numInferenceSteps(int value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, width, value, eta, latents, outputType, callback, manager);
    }

    public StableDiffusionOptions eta(double value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, value, latents, outputType, callback, manager);
    }

    public StableDiffusionOptions latents(NDArray value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, eta, value, outputType, callback, manager);
    }

    public StableDiffusionOptions outputType(OutputType value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, eta, latents, value, callback, manager);
    }

    public StableDiffusionOptions callback(StepCallback value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, eta, latents, outputType, value, manager);
    }

    public StableDiffusionOptions manager(NDManager value) {
        return new StableDiffusionOptions(prompts, negativePrompts, guidanceScale, numImagesPerPrompt, noise,
                height, width, numInferenceSteps, eta, latents, outputType, callback, value);
    }

    /** Whether this call runs classifier-free guidance: {@code guidance_scale > 1}. */
    public boolean doClassifierFreeGuidance() {
        return guidanceScale > 1.0;
    }
}
