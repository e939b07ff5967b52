package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ModelIndex;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.schedulers.Scheduler;

import java.nio.file.Path;

/**
 * diffusers' {@code DDIMPipeline} (Song et al. 2020, "Denoising Diffusion Implicit Models"): unconditional images
 * from a {@link UNet2DModel} in few steps; 50 unless told otherwise. As in diffusers, the scheduler it is built with
 * is converted to a {@code DDIMScheduler} with the same config ({@link #setScheduler} swaps in any other).
 */
public final class DDIMPipeline extends DiffusionPipeline {

    /** The pipeline takes ownership of the UNet and the scheduler: {@link #close()} frees them. */
    public DDIMPipeline(UNet2DModel unet, Scheduler scheduler) {
        this(unet, scheduler, PyTorchEngine.newManager());
    }

    DDIMPipeline(UNet2DModel unet, Scheduler scheduler, NDManager manager) {
        super(unet, asDdim(scheduler), manager);
    }

    /** diffusers' {@code DDIMScheduler.from_config(scheduler.config)}: a DDIM scheduler stays as it is. */
    private static Scheduler asDdim(Scheduler scheduler) {
        return scheduler instanceof DDIMScheduler ? scheduler : DDIMScheduler.fromConfig(scheduler.config());
    }

    /**
     * Loads a model folder as a {@code DDIMPipeline}, whatever pipeline its {@code model_index.json} names,
     * as diffusers' {@code DDIMPipeline.from_pretrained} does.
     */
    public static DDIMPipeline fromPretrained(Path folder) {
        return load(ModelIndex.read(folder), DDIMPipeline::new);
    }

    /** As {@link #fromPretrained(java.nio.file.Path)}, on {@code device}; noise is still drawn on the CPU. */
    public static DDIMPipeline fromPretrained(java.nio.file.Path folder, ai.djl.Device device) {
        return load(dev.reprodiff.io.ModelIndex.read(folder), DDIMPipeline::new, device);
    }

    /** diffusers' defaults for {@code DDIMPipeline.__call__}: 1 image, 50 steps, eta 0, PIL output. */
    public static ImagePipelineOptions options() {
        return ImagePipelineOptions.defaults().numInferenceSteps(50);
    }

    @Override
    int defaultNumInferenceSteps() {
        return 50;
    }
}
