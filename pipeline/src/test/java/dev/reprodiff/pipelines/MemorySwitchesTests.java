package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.models.AutoencoderKL;
import dev.reprodiff.random.Generator;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * diffusers' memory switches on the tiny Stable Diffusion model: attention slicing and VAE slicing leave the images
 * unchanged, VAE tiling decodes in diffusers' blended tiles (checked against the tile rule written out here).
 */
class MemorySwitchesTests {

    private static StableDiffusionPipeline pipeline;
    private static NDManager manager;

    @BeforeAll
    static void loadPipeline() {
        pipeline = StableDiffusionPipeline.fromPretrained(StableDiffusionPipelineTests.MODEL);
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void closePipeline() {
        manager.close();
        pipeline.close();
    }

    @AfterEach
    void switchEverythingOff() {
        pipeline.disableAttentionSlicing().disableVaeSlicing().disableVaeTiling();
    }

    @Test
    void attentionSlicingLeavesTheLatentsUnchanged() {
        NDArray whole = latents();
        for (String size : new String[] {"auto", "max", "1"}) {
            pipeline.enableAttentionSlicing(size);
            // float rounding only: libtorch's batched products pick their kernels by batch size (measured after
            // two guided steps: 0 for auto, 5.7e-6 for max and 1, on latents of magnitude up to about 4)
            assertThat(FixtureFiles.linf(latents(), whole)).as("slice size %s", size).isLessThan(1e-5);
        }
        pipeline.disableAttentionSlicing();
        assertThat(FixtureFiles.linf(latents(), whole)).isZero();
    }

    @Test
    void attentionSliceSizesBeyondTheHeadsAreRejected() {
        assertThatThrownBy(() -> pipeline.enableAttentionSlicing(64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("An attention slice size must be between 1 and the fewest heads of a layer, 8 (or 0 for"
                        + " no slicing), but got 64; use \"max\" for the least memory");
        assertThatThrownBy(() -> pipeline.enableAttentionSlicing("half"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("An attention slice size is \"auto\", \"max\" or a number of rows, not \"half\"");
    }

    @Test
    void vaeSlicingDecodesTheSameImagesOneAtATime() {
        AutoencoderKL vae = pipeline.vae();
        NDArray latents = Generator.seeded(5).randn(manager, new Shape(3, 4, 16, 16));
        NDArray whole = vae.decode(latents);
        pipeline.enableVaeSlicing();
        NDArray sliced = vae.decode(latents);
        assertThat(sliced.getShape()).isEqualTo(whole.getShape());
        // float rounding only: libtorch's convolutions pick their kernels by batch size (measured 2.9e-6 on images
        // within [-1, 1])
        assertThat(FixtureFiles.linf(sliced, whole)).isLessThan(1e-5);
        NDArray images = whole.clip(-1f, 1f);
        assertThat(FixtureFiles.linf(vae.encode(images).mean(), withSlicingOff(() -> vae.encode(images).mean())))
                .isLessThan(1e-5);
    }

    @Test
    void vaeTilingOfLatentsThatFitOneTileIsTheUntiledDecode() {
        AutoencoderKL vae = pipeline.vae();
        NDArray latents = Generator.seeded(6).randn(manager, new Shape(1, 4, 16, 16)); // sample_size 32 / 2
        NDArray untiled = vae.decode(latents);
        pipeline.enableVaeTiling();
        assertThat(FixtureFiles.linf(vae.decode(latents), untiled)).isZero();
    }

    @Test
    void vaeTilingBlendsOverlappingTilesAsDiffusersDoes() {
        AutoencoderKL vae = pipeline.vae();
        NDArray latents = Generator.seeded(7).randn(manager, new Shape(1, 4, 28, 20));
        // the tile rule: latent tiles of 16 every 12, decoded to 32 pixels, blended over 8, cropped to 24
        int[] starts = {0, 12, 24};
        float[][][] tiles = new float[3][][];
        long[][][] shapes = new long[3][][];
        for (int i = 0; i < 3; i++) {
            tiles[i] = new float[2][];
            shapes[i] = new long[2][];
            for (int j = 0; j < 2; j++) {
                NDArray tile = vae.decode(latents.get(new NDIndex(":, :, {}:{}, {}:{}", starts[i],
                        Math.min(starts[i] + 16, 28), starts[j], Math.min(starts[j] + 16, 20))));
                tiles[i][j] = tile.toFloatArray();
                shapes[i][j] = tile.getShape().getShape();
            }
        }
        float[] expected = blendAndJoin(tiles, shapes, 8, 24, 3, 56, 40);
        pipeline.enableVaeTiling();
        NDArray tiled = vae.decode(latents);
        assertThat(tiled.getShape()).isEqualTo(new Shape(1, 3, 56, 40));
        assertThat(tiled.toFloatArray()).isEqualTo(expected);
        pipeline.disableVaeTiling();
        // where tiles meet, the result differs from one decode of the whole (measured 0.31 here), as diffusers' does
        assertThat(FixtureFiles.linf(tiled, vae.decode(latents))).isGreaterThan(0);
    }

    /** blend_v, blend_h and the crop-and-join of tiled_decode, in float arithmetic on (1, C, h, w) tiles. */
    private static float[] blendAndJoin(float[][][] tiles, long[][][] shapes, int blendExtent, int rowLimit,
                                        int channels, int height, int width) {
        for (int i = 0; i < tiles.length; i++) {
            for (int j = 0; j < tiles[i].length; j++) {
                int h = (int) shapes[i][j][2];
                int w = (int) shapes[i][j][3];
                if (i > 0) {
                    int ah = (int) shapes[i - 1][j][2];
                    int extent = Math.min(Math.min(ah, h), blendExtent);
                    for (int c = 0; c < channels; c++) {
                        for (int y = 0; y < extent; y++) {
                            for (int x = 0; x < w; x++) {
                                float a = tiles[i - 1][j][(c * ah + ah - extent + y) * w + x];
                                int at = (c * h + y) * w + x;
                                tiles[i][j][at] = a * (float) (1 - y / (double) extent)
                                        + tiles[i][j][at] * (float) (y / (double) extent);
                            }
                        }
                    }
                }
                if (j > 0) {
                    int aw = (int) shapes[i][j - 1][3];
                    int extent = Math.min(Math.min(aw, w), blendExtent);
                    for (int c = 0; c < channels; c++) {
                        for (int y = 0; y < h; y++) {
                            for (int x = 0; x < extent; x++) {
                                float a = tiles[i][j - 1][(c * h + y) * aw + aw - extent + x];
                                int at = (c * h + y) * w + x;
                                tiles[i][j][at] = a * (float) (1 - x / (double) extent)
                                        + tiles[i][j][at] * (float) (x / (double) extent);
                            }
                        }
                    }
                }
            }
        }
        float[] joined = new float[channels * height * width];
        int top = 0;
        for (int i = 0; i < tiles.length; i++) {
            int left = 0;
            int rows = (int) Math.min(shapes[i][0][2], rowLimit);
            for (int j = 0; j < tiles[i].length; j++) {
                int h = (int) shapes[i][j][2];
                int w = (int) shapes[i][j][3];
                int columns = Math.min(w, rowLimit);
                for (int c = 0; c < channels; c++) {
                    for (int y = 0; y < rows; y++) {
                        for (int x = 0; x < columns; x++) {
                            joined[(c * height + top + y) * width + left + x] = tiles[i][j][(c * h + y) * w + x];
                        }
                    }
                }
                left += columns;
            }
            top += rows;
        }
        assertThat(top).isEqualTo(height);
        return joined;
    }

    private NDArray latents() {
        try (ImagePipelineOutput output = pipeline.call(StableDiffusionPipeline.options()
                .prompt(StableDiffusionPipelineTests.PROMPT).numInferenceSteps(2).height(32).width(32)
                .generator(Generator.seeded(0)).manager(manager))) {
            NDArray latents = output.latents();
            return manager.create(latents.toFloatArray(), latents.getShape());
        }
    }

    private static NDArray withSlicingOff(java.util.function.Supplier<NDArray> body) {
        pipeline.disableVaeSlicing();
        try {
            return body.get();
        } finally {
            pipeline.enableVaeSlicing();
        }
    }
}
