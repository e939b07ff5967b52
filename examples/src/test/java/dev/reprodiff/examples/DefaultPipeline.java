package dev.reprodiff.examples;

import dev.reprodiff.pipelines.DDIMPipeline;
import dev.reprodiff.pipelines.DefaultModel;

/**
 * The DDIM pipeline on reprodiff's embedded default model: a 0.7M-parameter UNet2DModel trained on Fashion-MNIST
 * (1 channel, 32x32, DDIMScheduler), shipped in the pipeline jar, so that the examples need no download.
 */
final class DefaultPipeline implements AutoCloseable {

    private final DefaultModel.Folder folder = DefaultModel.extract();
    private final DDIMPipeline pipeline = DDIMPipeline.fromPretrained(folder.path());

    DDIMPipeline ddim() {
        return pipeline;
    }

    @Override
    public void close() {
        pipeline.close();
        folder.close();
    }
}
