package dev.reprodiff.pipelines;

import dev.reprodiff.models.UNet2DModel;

/**
 * The unconditional image pipelines, {@link DDPMPipeline} and {@link DDIMPipeline}: a {@link UNet2DModel} denoising
 * from noise alone, called with {@link ImagePipelineOptions}. Each implements its own {@code call}, with its loop.
 */
public sealed interface UnconditionalPipeline permits DDPMPipeline, DDIMPipeline {

    /** The denoising model. */
    UNet2DModel unet();

    /** Generates {@code options.batchSize()} images, as the pipeline's diffusers {@code __call__}. */
    ImagePipelineOutput call(ImagePipelineOptions options);
}
