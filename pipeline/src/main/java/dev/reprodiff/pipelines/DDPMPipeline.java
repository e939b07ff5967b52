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
import dev.reprodiff.schedulers.Scheduler;
import dev.reprodiff.schedulers.StepOptions;

import java.nio.file.Path;

/**
 * diffusers' {@code DDPMPipeline} (Ho et al. 2020, "Denoising Diffusion Probabilistic Models"): unconditional
 * images from a {@link UNet2DModel} and, usually, a {@code DDPMScheduler}; 1000 steps unless told otherwise. Any
 * scheduler runs in its loop ({@link #setScheduler}): the loop scales the initial noise and the model input as the
 * scheduler asks, and passes the options' {@code eta} to its steps.
 */
public final class DDPMPipeline extends DiffusionPipeline implements UnconditionalPipeline {

    /** diffusers' default {@code num_inference_steps} for {@code DDPMPipeline}. */
    public static final int DEFAULT_NUM_INFERENCE_STEPS = 1000;

    private final UNet2DModel unet;

    /** The pipeline takes ownership of the UNet: {@link #close()} frees it. */
    public DDPMPipeline(UNet2DModel unet, Scheduler scheduler) {
        this(unet, scheduler, PyTorchEngine.newManager());
    }

    private DDPMPipeline(UNet2DModel unet, Scheduler scheduler, NDManager manager) {
        super(scheduler, manager, unet);
        this.unet = unet;
    }

    /**
     * Loads a model folder as a {@code DDPMPipeline}, whatever pipeline its {@code model_index.json} names, as
     * diffusers' {@code DDPMPipeline.from_pretrained} does.
     */
    public static DDPMPipeline fromPretrained(Path folder) {
        return fromPretrained(folder, Components.defaultDevice());
    }

    /** As {@link #fromPretrained(Path)}, on {@code device}; noise is still drawn on the CPU. */
    public static DDPMPipeline fromPretrained(Path folder, Device device) {
        return load(ModelIndex.read(folder), device);
    }

    static DDPMPipeline load(ModelIndex index, Device device) {
        return Components.unconditional(index, device, DDPMPipeline::new);
    }

    /** diffusers' defaults for {@code DDPMPipeline.__call__}: 1 image, 1000 steps, PIL output, fresh noise. */
    public static ImagePipelineOptions options() {
        return ImagePipelineOptions.defaults().numInferenceSteps(DEFAULT_NUM_INFERENCE_STEPS);
    }

    @Override
    public UNet2DModel unet() {
        return unet;
    }

    /**
     * Generates images as diffusers' {@code DDPMPipeline.__call__}: {@code set_timesteps(n)},
     * {@code x = randn_tensor(shape, generator) * init_noise_sigma}, then for each timestep t
     * {@code eps = unet(scale_model_input(x, t), t)} and {@code x = step(eps, t, x, generator).prev_sample}.
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
            NDArray sample = noise.randn(shape, DataType.FLOAT32, work);
            double sigma = scheduler.initNoiseSigma();          // after set_timesteps: sigma schedulers need them
            sample = sigma == 1.0 ? sample : sample.mul((float) sigma);
            if (options.callback() != null) {
                options.callback().onStart(timesteps.clone());
            }
            for (int i = 0; i < timesteps.length; i++) {
                double t = timesteps[i];
                try (NDScope step = new NDScope()) {
                    NDScope.register(sample);                                 // x_t dies with this step
                    NDArray modelInput = scheduler.scaleModelInput(sample, t);
                    NDArray modelOutput = unet.forward(modelInput, t);        // 1. predict noise ε_θ(x_t, t)
                    sample = scheduler.step(modelOutput, t, sample, stepOptions).prevSample(); // 2. x_t -> x_t-1
                    requireFinite(sample, i, timesteps);
                    NDScope.unregister(sample);                               // only x_t-1 survives
                }
                if (options.callback() != null) {
                    options.callback().onStep(i, t, sample);
                }
            }
            return output(options.outputType(), sample, results, noise);
        } catch (RuntimeException | Error e) {
            results.close();
            throw e;
        }
    }

    @Override
    public DDPMPipeline setScheduler(Scheduler newScheduler) {
        super.setScheduler(newScheduler);
        return this;
    }
}
