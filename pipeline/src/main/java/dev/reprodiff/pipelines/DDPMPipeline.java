package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ModelIndex;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.schedulers.Scheduler;

import java.nio.file.Path;

/**
 * diffusers' {@code DDPMPipeline} (Ho et al. 2020, "Denoising Diffusion Probabilistic Models"): unconditional
 * images from a {@link UNet2DModel} and, usually, a {@code DDPMScheduler}; 1000 steps unless told otherwise.
 */
public final class DDPMPipeline extends DiffusionPipeline {

    /** The pipeline takes ownership of the UNet and the scheduler: {@link #close()} frees them. */
    public DDPMPipeline(UNet2DModel unet, Scheduler scheduler) {
        this(unet, scheduler, PyTorchEngine.newManager());
    }

    DDPMPipeline(UNet2DModel unet, Scheduler scheduler, NDManager manager) {
        super(unet, scheduler, manager);
    }

    /**
     * Loads a model folder as a {@code DDPMPipeline}, whatever pipeline its {@code model_index.json} names,
     * as diffusers' {@code DDPMPipeline.from_pretrained} does.
     */
    public static DDPMPipeline fromPretrained(Path folder) {
        return load(ModelIndex.read(folder), DDPMPipeline::new);
    }

    /** diffusers' defaults for {@code DDPMPipeline.__call__}: 1 image, 1000 steps, PIL output. */
    public static ImagePipelineOptions options() {
        return ImagePipelineOptions.defaults().numInferenceSteps(1000);
    }

    @Override
    int defaultNumInferenceSteps() {
        return 1000;
    }
}
