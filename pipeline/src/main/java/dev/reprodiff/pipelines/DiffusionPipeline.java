package dev.reprodiff.pipelines;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ModelIndex;
import dev.reprodiff.models.UNet2DConfig;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;
import dev.reprodiff.schedulers.Scheduler;
import dev.reprodiff.schedulers.StepOptions;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A diffusion pipeline: a denoising model and a {@link Scheduler}, run by diffusers' sampling loop.
 * {@link #fromPretrained(Path)} reads a folder that diffusers' {@code save_pretrained} wrote and returns the
 * pipeline its {@code model_index.json} names: the unconditional {@link DDPMPipeline} or {@link DDIMPipeline} (a
 * {@link UNet2DModel}, run by {@link #call(ImagePipelineOptions)}), or the text-to-image
 * {@link StableDiffusionPipeline} (run by its own {@code call} with a prompt).
 *
 * <p>The pipeline owns its UNet, its scheduler and an {@link NDManager} for the weights; {@link #close()} frees them.
 * Calls are sequential: a pipeline's scheduler holds the state of the run in progress.
 */
public abstract class DiffusionPipeline implements AutoCloseable {

    private final UNet2DModel unet;
    private final NDManager manager;
    private Scheduler scheduler;

    DiffusionPipeline(UNet2DModel unet, Scheduler scheduler, NDManager manager) {
        this.unet = Objects.requireNonNull(unet, "unet");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.manager = manager;
    }

    /** For pipelines whose models are not a {@link UNet2DModel}: they hold and close their own. */
    DiffusionPipeline(Scheduler scheduler, NDManager manager) {
        this.unet = null;
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.manager = manager;
    }

    /**
     * Loads the pipeline in {@code folder}: {@code model_index.json} names the pipeline class, {@code unet/} holds
     * a {@code UNet2DModel} and {@code scheduler/} the scheduler's config.
     *
     * @throws ConfigException if the folder has no {@code model_index.json}, or names a pipeline, model or
     *         scheduler reprodiff does not implement
     * @throws dev.reprodiff.models.WeightsException if the UNet's weights do not fit its config
     */
    public static DiffusionPipeline fromPretrained(Path folder) {
        ModelIndex index = ModelIndex.read(folder);
        String pipeline = index.pipelineClass();
        if (pipeline.equals("StableDiffusionPipeline")) {
            return StableDiffusionPipeline.load(index);
        }
        if (!pipeline.equals("DDPMPipeline") && !pipeline.equals("DDIMPipeline")) {
            throw ConfigException.unsupported(folder.resolve("model_index.json").toString(), "_class_name", pipeline,
                    List.of("DDPMPipeline", "DDIMPipeline", "StableDiffusionPipeline"));
        }
        return load(index, pipeline.equals("DDPMPipeline") ? DDPMPipeline::new : DDIMPipeline::new);
    }

    /** How a pipeline class is built from its loaded components. */
    interface Constructor<P extends DiffusionPipeline> {
        P create(UNet2DModel unet, Scheduler scheduler, NDManager manager);
    }

    /**
     * As {@link #fromPretrained(Path)}, with the weights and every computation on {@code device} (for example
     * {@code Device.gpu()}). The noise is still drawn by the CPU {@link Generator} and then moved to the device, as
     * diffusers recommends for reproducible GPU runs, so a seed gives the same starting noise on every device.
     */
    public static DiffusionPipeline fromPretrained(Path folder, Device device) {
        ModelIndex index = ModelIndex.read(folder);
        String pipeline = index.pipelineClass();
        if (!pipeline.equals("DDPMPipeline") && !pipeline.equals("DDIMPipeline")) {
            throw ConfigException.unsupported(folder.resolve("model_index.json").toString(), "_class_name", pipeline,
                    List.of("DDPMPipeline", "DDIMPipeline"));
        }
        return load(index, pipeline.equals("DDPMPipeline") ? DDPMPipeline::new : DDIMPipeline::new, device);
    }

    /** The device the weights live on, where the pipeline computes. */
    public Device device() {
        return manager.getDevice();
    }

    /** Loads the UNet and the scheduler a model folder holds, and builds a pipeline of them. */
    static <P extends DiffusionPipeline> P load(ModelIndex index, Constructor<P> constructor) {
        return load(index, constructor, null);
    }

    /** As above, on {@code device}, or the engine's default device when it is null. */
    static <P extends DiffusionPipeline> P load(ModelIndex index, Constructor<P> constructor, Device device) {
        String unetClass = index.component("unet").className();
        if (!unetClass.equals("UNet2DModel")) {
            throw ConfigException.unsupported(index.folder().resolve("model_index.json").toString(), "unet",
                    unetClass, List.of("UNet2DModel"));
        }
        index.component("scheduler");
        Scheduler scheduler = Schedulers.fromConfig(index.componentConfig("scheduler"));
        NDManager manager = device == null ? PyTorchEngine.newManager()
                : PyTorchEngine.newManager(device);
        try {
            UNet2DModel unet = UNet2DModel.fromPretrained(index.folder().resolve("unet"), manager);
            return constructor.create(unet, scheduler, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The {@link UNet2DModel} of an unconditional pipeline.
     *
     * @throws IllegalStateException for a {@link StableDiffusionPipeline}, whose text-conditioned UNet is
     *         {@link StableDiffusionPipeline#conditionalUnet()}
     */
    public UNet2DModel unet() {
        if (unet == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " has no UNet2DModel; its UNet is a"
                    + " UNet2DConditionModel: call conditionalUnet()");
        }
        return unet;
    }

    /** The manager of the pipeline's weights; results of a call go to a sub-manager of it by default. */
    NDManager manager() {
        return manager;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Swaps the scheduler, as diffusers' {@code pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)}.
     * Any scheduler works: the loop scales the initial noise and the model input as the scheduler asks.
     *
     * @return this pipeline
     */
    public DiffusionPipeline setScheduler(Scheduler newScheduler) {
        this.scheduler = Objects.requireNonNull(newScheduler, "scheduler");
        return this;
    }

    /** The number of denoising steps when the options give none (diffusers: DDPM 1000, DDIM 50). */
    abstract int defaultNumInferenceSteps();

    /**
     * Generates images: {@code set_timesteps(n)}, {@code x = randn_tensor(shape, generator) * init_noise_sigma},
     * then for each timestep t,
     * {@code eps = unet(scale_model_input(x, t), t)} and {@code x = step(eps, t, x, eta, generator).prev_sample}.
     * For DDPM and DDIM this is exactly diffusers' {@code DDPMPipeline} and {@code DDIMPipeline}.
     *
     * @throws IllegalArgumentException for a batch size or step count below 1, or a list of generators whose length
     *         is not the batch size
     */
    @SuppressWarnings("try")
    public ImagePipelineOutput call(ImagePipelineOptions options) {
        unet();
        int steps = options.numInferenceSteps() != null ? options.numInferenceSteps() : defaultNumInferenceSteps();
        Shape shape = imageShape(options.batchSize());
        validate(options, steps, shape);
        Generator generator = options.generator();
        if (generator == null && options.generators() == null) {
            generator = new Generator();
            generator.seed();   // no generator: fresh randomness, as diffusers' global RNG gives
        }
        StepOptions stepOptions = stepOptions(options, generator);
        NDManager results = (options.manager() != null ? options.manager() : manager).newSubManager();
        try (NDManager work = manager.newSubManager()) {
            // Timesteps first: a sigma scheduler's init_noise_sigma depends on them (as in diffusers' pipelines).
            scheduler.setTimesteps(steps);
            double[] timesteps = scheduler.timesteps();
            NDArray sample = initialNoise(shape, options.generators(), generator, work);
            for (int i = 0; i < timesteps.length; i++) {
                double t = timesteps[i];
                try (NDScope step = new NDScope()) {
                    NDScope.register(sample);                                 // x_t dies with this step
                    NDArray modelInput = scheduler.scaleModelInput(sample, t);
                    NDArray modelOutput = unet.forward(modelInput, t);        // 1. predict noise ε_θ(x_t, t)
                    sample = scheduler.step(modelOutput, t, sample, stepOptions).prevSample(); // 2. x_t -> x_t-1
                    NDScope.unregister(sample);                               // only x_t-1 survives
                }
                if (options.callback() != null) {
                    options.callback().onStep(i, t, sample);
                }
            }
            return output(options.outputType(), sample, results);
        } catch (RuntimeException | Error e) {
            results.close();
            throw e;
        }
    }

    private static StepOptions stepOptions(ImagePipelineOptions options, Generator generator) {
        StepOptions stepOptions = options.generators() != null
                ? StepOptions.defaults().withGenerators(options.generators())
                : StepOptions.defaults().withGenerator(generator);
        return stepOptions.withEta(options.eta()).withUseClippedModelOutput(options.useClippedModelOutput());
    }

    /** {@code randn_tensor(shape, generator) * init_noise_sigma}. */
    private NDArray initialNoise(Shape shape, List<Generator> generators, Generator generator, NDManager work) {
        NDArray noise = generators != null
                ? RandomTensors.randnTensor(shape, generators, DataType.FLOAT32, work)
                : RandomTensors.randnTensor(shape, generator, DataType.FLOAT32, work);
        double initNoiseSigma = scheduler.initNoiseSigma();
        return initNoiseSigma == 1.0 ? noise : noise.mul((float) initNoiseSigma);
    }

    static ImagePipelineOutput output(OutputType type, NDArray latents, NDManager results) {
        latents.attach(results);
        if (type == OutputType.LATENT) {
            return new ImagePipelineOutput(type, latents, null, latents, results);
        }
        return imagesOutput(type, postprocess(latents), latents, results);
    }

    /** The output for postprocessed images (NHWC in [0, 1]): the array itself, or PIL images as {@code type} asks. */
    static ImagePipelineOutput imagesOutput(OutputType type, NDArray images, NDArray latents, NDManager results) {
        if (type == OutputType.NP) {
            return new ImagePipelineOutput(type, images, null, latents, results);
        }
        List<java.awt.image.BufferedImage> pil = Images.numpyToPil(images);
        images.close();
        return new ImagePipelineOutput(type, null, pil, latents, results);
    }

    /** {@code (x / 2 + 0.5).clamp(0, 1)}, NCHW to NHWC, keeping no intermediate array. */
    @SuppressWarnings("try")
    static NDArray postprocess(NDArray latents) {
        NDArray images;
        try (NDScope scope = new NDScope()) {
            images = latents.div(2).add(0.5).clip(0, 1).transpose(0, 2, 3, 1);
            NDScope.unregister(images);
        }
        NDScope.register(images);
        return images;
    }

    private Shape imageShape(int batchSize) {
        UNet2DConfig config = unet.config();
        return new Shape(batchSize, config.inChannels(), config.sampleHeight(), config.sampleWidth());
    }

    private static void validate(ImagePipelineOptions options, int steps, Shape shape) {
        if (options.batchSize() < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, but got " + options.batchSize());
        }
        if (steps < 1) {
            throw new IllegalArgumentException("numInferenceSteps must be at least 1, but got " + steps);
        }
        if (options.generators() != null) {
            RandomTensors.requireOneGeneratorPerImage(shape, options.generators().size());
        }
    }

    /** Frees the UNet's weights (and the scheduler, where it holds native memory). */
    @Override
    public void close() {
        try {
            if (scheduler instanceof AutoCloseable closeable) {
                closeable.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot close the scheduler " + scheduler, e);
        } finally {
            if (unet != null) {
                unet.close();
            }
            manager.close();
        }
    }
}
