package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.random.Generator;

import java.util.List;
import java.util.Objects;

/**
 * The arguments of an unconditional pipeline call, named as diffusers names them. Immutable: each setter-like method
 * returns a copy, so a base set of options can be shared.
 *
 * <pre>{@code
 * ImagePipelineOutput out = pipeline.call(DDIMPipeline.options()
 *         .batchSize(1).generator(new Generator().manualSeed(0)).numInferenceSteps(50).outputType(OutputType.NP));
 * }</pre>
 *
 * @param batchSize the number of images
 * @param generator one generator for the whole batch (noise and every stochastic step), or {@code null}: then
 *        the call draws from a new generator seeded from a non-deterministic source (not reproducible)
 * @param generators one generator per image, or {@code null}; image i then equals image 0 of a call with
 *        {@code generators.get(i)} alone
 * @param numInferenceSteps the number of denoising steps, or {@code null} for the pipeline's default
 * @param eta DDIM's η (0: deterministic DDIM, 1: DDPM-like noise); ignored by other schedulers
 * @param useClippedModelOutput DDIM's {@code use_clipped_model_output}
 * @param outputType what {@link ImagePipelineOutput#images()} holds
 * @param callback called after every step, or {@code null}
 * @param manager where the results go (a sub-manager of it, freed by {@link ImagePipelineOutput#close()}), or
 *        {@code null} for the pipeline's own manager
 */
public record ImagePipelineOptions(int batchSize, Generator generator, List<Generator> generators,
                                   Integer numInferenceSteps, double eta, boolean useClippedModelOutput,
                                   OutputType outputType, StepCallback callback, NDManager manager) {

    public ImagePipelineOptions {
        if (generator != null && generators != null) {
            throw new IllegalArgumentException("Pass either one generator or a list of generators, not both");
        }
        generators = generators == null ? null : List.copyOf(generators);
        Objects.requireNonNull(outputType, "outputType");
    }

    /** diffusers' defaults: one image, no generator, the pipeline's step count, eta 0, PIL output. */
    public static ImagePipelineOptions defaults() {
        return new ImagePipelineOptions(1, null, null, null, 0.0, false, OutputType.PIL, null, null);
    }

    public ImagePipelineOptions batchSize(int value) {
        return new ImagePipelineOptions(value, generator, generators, numInferenceSteps, eta, useClippedModelOutput,
                outputType, callback, manager);
    }

    public ImagePipelineOptions generator(Generator value) {
        return new ImagePipelineOptions(batchSize, value, null, numInferenceSteps, eta, useClippedModelOutput,
                outputType, callback, manager);
    }

    public ImagePipelineOptions generators(List<Generator> value) {
        return new ImagePipelineOptions(batchSize, null, value, numInferenceSteps, eta, useClippedModelOutput,
                outputType, callback, manager);
    }

    public ImagePipelineOptions numInferenceSteps(int value) {
        return new ImagePipelineOptions(batchSize, generator, generators, value, eta, useClippedModelOutput,
                outputType, callback, manager);
    }

    public ImagePipelineOptions eta(double value) {
        return new ImagePipelineOptions(batchSize, generator, generators, numInferenceSteps, value,
                useClippedModelOutput, outputType, callback, manager);
    }

    public ImagePipelineOptions useClippedModelOutput(boolean value) {
        return new ImagePipelineOptions(batchSize, generator, generators, numInferenceSteps, eta, value,
                outputType, callback, manager);
    }

    public ImagePipelineOptions outputType(OutputType value) {
        return new ImagePipelineOptions(batchSize, generator, generators, numInferenceSteps, eta,
                useClippedModelOutput, value, callback, manager);
    }

    public ImagePipelineOptions callback(StepCallback value) {
        return new ImagePipelineOptions(batchSize, generator, generators, numInferenceSteps, eta,
                useClippedModelOutput, outputType, value, manager);
    }

    public ImagePipelineOptions manager(NDManager value) {
        return new ImagePipelineOptions(batchSize, generator, generators, numInferenceSteps, eta,
                useClippedModelOutput, outputType, callback, value);
    }
}
