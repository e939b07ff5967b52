package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * What a pipeline call returns: the images in the requested {@link OutputType}, the final sample, and the seeds its
 * noise came from. The arrays live on this output's own manager (a sub-manager of the one in the options, or of the
 * pipeline's): {@link #close()} frees them.
 */
public final class ImagePipelineOutput implements AutoCloseable {

    private final OutputType outputType;
    private final NDArray images;
    private final List<BufferedImage> pilImages;
    private final NDArray latents;
    private final NDManager manager;
    private final List<Long> seeds;

    ImagePipelineOutput(OutputType outputType, NDArray images, List<BufferedImage> pilImages, NDArray latents,
                        NDManager manager, List<Long> seeds) {
        this.outputType = outputType;
        this.images = images;
        this.pilImages = pilImages == null ? null : List.copyOf(pilImages);
        this.latents = latents;
        this.manager = manager;
        this.seeds = List.copyOf(seeds);
    }

    public OutputType outputType() {
        return outputType;
    }

    /**
     * {@link OutputType#NP}: NHWC float32 in [0, 1]; {@link OutputType#LATENT}: the final sample (NCHW).
     *
     * @throws IllegalStateException for {@link OutputType#PIL}, whose images are {@link #pilImages()}
     */
    public NDArray images() {
        if (images == null) {
            throw new IllegalStateException("This call asked for output type " + outputType
                    + ": read pilImages(), or call with outputType(NP) for an array");
        }
        return images;
    }

    /**
     * {@link OutputType#PIL}: one RGB (or grayscale) image per batch item.
     *
     * @throws IllegalStateException for the other output types
     */
    public List<BufferedImage> pilImages() {
        if (pilImages == null) {
            throw new IllegalStateException("This call asked for output type " + outputType
                    + ": read images(), or call with outputType(PIL) for BufferedImages");
        }
        return pilImages;
    }

    /** The final sample x_0 (NCHW), before {@code (x / 2 + 0.5).clamp(0, 1)}. */
    public NDArray latents() {
        return latents;
    }

    /**
     * The seeds of the call's generators, as unsigned 64-bit values ({@link Long#toUnsignedString}): one for a call
     * with one generator, one per image for a list, and the freshly drawn one for a call without a generator. A call
     * with {@code Noise.of(Generator.seeded(seeds().get(0)))} (or one generator per seed) replays this one, provided
     * the call's own generators had not drawn before it.
     */
    public List<Long> seeds() {
        return seeds;
    }

    /** Frees the arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
