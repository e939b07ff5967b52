package dev.reprodiff.pipelines;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.reprodiff.models.ModelMixin;
import dev.reprodiff.random.Noise;
import dev.reprodiff.schedulers.Scheduler;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;

/**
 * What every diffusion pipeline owns: its models and their {@link NDManager}, the configured {@link Scheduler}, the
 * device, and the output helpers its {@code call} ends with. The pipelines themselves are {@link DDPMPipeline},
 * {@link DDIMPipeline} and {@link StableDiffusionPipeline}, each with the one {@code call} that fits its options and
 * shows its loop; {@link Pipelines#fromPretrained} loads the one a folder names.
 *
 * <p>A loaded pipeline may be called from several threads at once: each call steps its own {@link Scheduler#copy()}
 * of the configured scheduler, draws from its own noise and writes to its own managers, so concurrent calls give the
 * same bits as the same calls one after the other. {@link #close()} frees the models; do not close a pipeline while a
 * call runs.
 */
public abstract sealed class DiffusionPipeline implements AutoCloseable
        permits DDPMPipeline, DDIMPipeline, StableDiffusionPipeline {

    private final NDManager manager;
    private final List<ModelMixin<?>> models;
    private volatile Scheduler scheduler;

    /** A pipeline that owns {@code models} and {@code manager}: {@link #close()} frees them. */
    DiffusionPipeline(Scheduler scheduler, NDManager manager, ModelMixin<?>... models) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.models = List.of(models);
    }

    /** The device the weights live on, where the pipeline computes. */
    public Device device() {
        return manager.getDevice();
    }

    /** The configured scheduler; each call steps its own {@link Scheduler#copy()}, so this one never runs. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Swaps the scheduler, as diffusers' {@code pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)}.
     * Any scheduler works: the loops scale the initial noise and the model input as the scheduler asks. Calls that
     * already started keep the scheduler they copied.
     *
     * @return this pipeline
     */
    public DiffusionPipeline setScheduler(Scheduler newScheduler) {
        this.scheduler = Objects.requireNonNull(newScheduler, "scheduler");
        return this;
    }

    /** The manager of the pipeline's weights; results of a call go to a sub-manager of it by default. */
    NDManager manager() {
        return manager;
    }

    /** This call's own scheduler: a copy of the configured one, with the timesteps of {@code numInferenceSteps} set. */
    Scheduler startRun(int numInferenceSteps) {
        Scheduler run = scheduler.copy();
        run.setTimesteps(numInferenceSteps);
        return run;
    }

    /** The manager of a call's results: a sub-manager of the caller's, or of the pipeline's. */
    NDManager resultsManager(NDManager requested) {
        return (requested != null ? requested : manager).newSubManager();
    }

    /**
     * Fails unless every value of {@code latents} is finite: a NaN or an infinity never heals, and would come out as
     * a black image. Call it inside the step's {@link NDScope}, so that its temporary arrays die with the step.
     *
     * @throws NonFiniteLatentsException naming the step and the first element that is not finite
     */
    void requireFinite(NDArray latents, int stepIndex, double[] timesteps) {
        if (!allFinite(latents)) {
            throw NonFiniteLatentsException.afterStep(getClass().getSimpleName(), latents, stepIndex, timesteps);
        }
    }

    /** Whether every value is finite: the largest magnitude is, since torch's max propagates NaN. */
    static boolean allFinite(NDArray values) {
        return Float.isFinite(values.abs().max().getFloat());
    }

    /** The output of a call that ends with {@code latents}: themselves, or the postprocessed images. */
    static ImagePipelineOutput output(OutputType type, NDArray latents, NDManager results, Noise.Seeded noise) {
        latents.attach(results);
        if (type == OutputType.LATENT) {
            return new ImagePipelineOutput(type, latents, null, latents, results, noise.seeds());
        }
        return imagesOutput(type, postprocess(latents), latents, results, noise);
    }

    /** The output for postprocessed images (NHWC in [0, 1]): the array itself, or PIL images as {@code type} asks. */
    static ImagePipelineOutput imagesOutput(OutputType type, NDArray images, NDArray latents, NDManager results,
                                            Noise.Seeded noise) {
        if (type == OutputType.NP) {
            return new ImagePipelineOutput(type, images, null, latents, results, noise.seeds());
        }
        List<BufferedImage> pil = Images.numpyToPil(images);
        images.close();
        return new ImagePipelineOutput(type, null, pil, latents, results, noise.seeds());
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

    /** Frees the models' weights and the pipeline's manager. */
    @Override
    public void close() {
        try {
            models.forEach(ModelMixin::close);
        } finally {
            manager.close();
        }
    }
}
