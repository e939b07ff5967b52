package dev.reprodiff.pipelines;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ModelIndex;
import dev.reprodiff.models.UNet2DConfig;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Noise;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.schedulers.Scheduler;
import dev.reprodiff.schedulers.StepOptions;

import java.nio.file.Path;

/**
 * diffusers' {@code DDIMPipeline} (Song et al. 2020, "Denoising Diffusion Implicit Models"): unconditional images
 * from a {@link UNet2DModel} in few steps; 50 unless told otherwise. As in diffusers, the scheduler it is built with
 * is converted to a {@code DDIMScheduler} with the same config ({@link #setScheduler} swaps in any other).
 */
public final class DDIMPipeline extends DiffusionPipeline implements UnconditionalPipeline {

    /** diffusers' default {@code num_inference_steps} for {@code DDIMPipeline}. */
    public static final int DEFAULT_NUM_INFERENCE_STEPS = 50;

    private final UNet2DModel unet;

    /** The pipeline takes ownership of the UNet: {@link #close()} frees it. */
    public DDIMPipeline(UNet2DModel unet, Scheduler scheduler) {
        this(unet, scheduler, PyTorchEngine.newManager());
    }

    private DDIMPipeline(UNet2DModel unet, Scheduler scheduler, NDManager manager) {
        super(asDdim(scheduler), manager, unet);
        this.unet = unet;
    }

    /** diffusers' {@code DDIMScheduler.from_config(scheduler.config)}: a DDIM scheduler stays as it is. */
    private static Scheduler asDdim(Scheduler scheduler) {
        return scheduler instanceof DDIMScheduler ? scheduler : DDIMScheduler.fromConfig(scheduler.config());
    }

    /**
     * Loads a model folder as a {@code DDIMPipeline}, whatever pipeline its {@code model_index.json} names, as
     * diffusers' {@code DDIMPipeline.from_pretrained} does.
     */
    public static DDIMPipeline fromPretrained(Path folder) {
        return fromPretrained(folder, Components.defaultDevice());
    }

    /** As {@link #fromPretrained(Path)}, on {@code device}; noise is still drawn on the CPU. */
    public static DDIMPipeline fromPretrained(Path folder, Device device) {
        return load(ModelIndex.read(folder), device);
    }

    static DDIMPipeline load(ModelIndex index, Device device) {
        return Components.unconditional(index, device, DDIMPipeline::new);
    }

    /** diffusers' defaults for {@code DDIMPipeline.__call__}: 1 image, 50 steps, eta 0, PIL output, fresh noise. */
    public static ImagePipelineOptions options() {
        return ImagePipelineOptions.defaults().numInferenceSteps(DEFAULT_NUM_INFERENCE_STEPS);
    }

    @Override
    public UNet2DModel unet() {
        return unet;
    }

    /**
     * Generates images as diffusers' {@code DDIMPipeline.__call__}: {@code set_timesteps(n)},
     * {@code x = randn_tensor(shape, generator) * init_noise_sigma}, then for each timestep t
     * {@code eps = unet(scale_model_input(x, t), t)} and
     * {@code x = step(eps, t, x, eta, use_clipped_model_output, generator).prev_sample}.
     *
     * @throws IllegalArgumentException for a list of generators whose length is not the batch size
     * @throws NonFiniteLatentsException if a step produces NaN or infinite values
     */
    @Override
    @SuppressWarnings("try")
    public ImagePipelineOutput call(ImagePipelineOptions options) {
        int steps = options.numInferenceSteps() != null ? options.numInferenceSteps() : DEFAULT_NUM_INFERENCE_STEPS;
        UNet2DConfig config = unet.config();
        Shape shape = new Shape(options.batchSize(), config.inChannels(), config.sampleHeight(),
                config.sampleWidth());
        Noise.Seeded noise = options.noise().forBatch(shape);    // decided once: the latents and every step share it
        StepOptions stepOptions = StepOptions.defaults().withNoise(noise).withEta(options.eta())
                .withUseClippedModelOutput(options.useClippedModelOutput());
        Scheduler scheduler = startRun(steps);                   // this call's own run of the scheduler
        double[] timesteps = scheduler.timesteps();
        NDManager results = resultsManager(options.manager());
        try (NDManager work = manager().newSubManager()) {
            NDArray image = noise.randn(shape, DataType.FLOAT32, work);
            double sigma = scheduler.initNoiseSigma();          // 1 for DDIM; a swapped-in sigma scheduler's own
            image = sigma == 1.0 ? image : image.mul((float) sigma);
            if (options.callback() != null) {
                options.callback().onStart(timesteps.clone());
            }
            for (int i = 0; i < timesteps.length; i++) {
                double t = timesteps[i];
                try (NDScope step = new NDScope()) {
                    NDScope.register(image);                                  // x_t dies with this step
                    NDArray modelOutput = unet.forward(scheduler.scaleModelInput(image, t), t); // 1. ε_θ(x_t, t)
                    // 2. x_t -> x_t-1, eq. (12) of the DDIM paper with σ_t(η)
                    image = scheduler.step(modelOutput, t, image, stepOptions).prevSample();
                    requireFinite(image, i, timesteps);
                    NDScope.unregister(image);                                // only x_t-1 survives
                }
                if (options.callback() != null) {
                    options.callback().onStep(i, t, image);
                }
            }
            return output(options.outputType(), image, results, noise);
        } catch (RuntimeException | Error e) {
            results.close();
            throw e;
        }
    }

    @Override
    public DDIMPipeline setScheduler(Scheduler newScheduler) {
        super.setScheduler(newScheduler);
        return this;
    }
}
