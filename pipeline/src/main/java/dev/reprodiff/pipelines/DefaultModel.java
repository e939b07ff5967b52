package dev.reprodiff.pipelines;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The small model that ships in the jar, so that {@code reprodiff generate} works without a download: a
 * {@code DDIMPipeline} folder in diffusers' layout whose 0.7M-parameter {@code UNet2DModel} (1 channel, 32x32,
 * block channels 16, 32, 64, attention at 8x8) was trained on Fashion-MNIST by {@code reprodiff train} (2700 steps of
 * 64 images, seed {@value #TRAINING_SEED}), with a {@code DDIMScheduler} (linear betas, 1000 training timesteps). Its
 * 50 default DDIM steps draw recognizable clothing items, shoes and bags; the folder's {@code README.md} is its model
 * card (architecture, training, loss, sample quality, and the data set's MIT licence notice, (c) Zalando SE).
 *
 * <p>A trained denoiser is contractive, so its images depend little on how a platform rounds: the examples' goldens
 * carry meaningful cross-platform tolerances.
 */
public final class DefaultModel {

    /** The seed of the training run that produced the embedded weights. */
    public static final long TRAINING_SEED = 0L;

    private static final String ROOT = "/dev/reprodiff/pipelines/default-model/";
    private static final List<String> FILES = List.of("README.md", "model_index.json", "scheduler/scheduler_config.json",
            "unet/config.json", "unet/diffusion_pytorch_model.safetensors");

    private DefaultModel() {
    }

    /** A model folder on disk; closing it deletes it if it was extracted for the caller. */
    public interface Folder extends AutoCloseable {
        Path path();

        @Override
        void close();

        /** A folder the caller owns: closing it does nothing. */
        static Folder of(Path path) {
            return new Folder() {
                @Override
                public Path path() {
                    return path;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /**
     * Copies the embedded model into a new temporary folder, deleted when the returned folder is closed, or when
     * the JVM exits first (on SIGTERM or Ctrl-C a {@code finally} block does not run, but shutdown hooks do).
     */
    public static Folder extract() {
        Path dir;
        try {
            dir = Files.createTempDirectory("reprodiff-default-model");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder for the default model", e);
        }
        Thread cleanup = new Thread(() -> deleteRecursively(dir), "reprodiff-default-model-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Folder folder = new Folder() {
            @Override
            public Path path() {
                return dir;
            }

            @Override
            public void close() {
                deleteRecursively(dir);
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException e) {
                    // closed while the JVM shuts down: the hook deletes nothing more
                }
            }
        };
        try {
            for (String file : FILES) {
                Path target = dir.resolve(file);
                Files.createDirectories(target.getParent());
                try (InputStream in = DefaultModel.class.getResourceAsStream(ROOT + file)) {
                    if (in == null) {
                        throw new IllegalStateException("The reprodiff jar lacks its default model file " + ROOT
                                + file + "; rebuild it with mvn package");
                    }
                    Files.copy(in, target);
                }
            }
            return folder;
        } catch (IOException e) {
            folder.close();
            throw new UncheckedIOException("Cannot extract the default model to " + dir, e);
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary folder is harmless
        }
    }
}
