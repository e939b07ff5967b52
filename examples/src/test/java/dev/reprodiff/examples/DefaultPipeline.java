package dev.reprodiff.examples;

import dev.reprodiff.pipelines.DDIMPipeline;
import dev.reprodiff.pipelines.DefaultModel;

/**
 * The DDIM pipeline on reprodiff's embedded default model: cifar10-32's architecture at an eighth of its width,
 * with <b>untrained</b> weights drawn from a seeded generator. Its images are noise-like patterns, not pictures; it
 * stands in for {@code google/ddpm-cifar10-32} so that the examples need no download.
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
