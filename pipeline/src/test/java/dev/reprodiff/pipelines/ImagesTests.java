package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImagesTests {

    @Test
    void numpyToPilRoundsHalfToEvenLikeNumpy() {
        // 0.5/255 * 255 = 0.5 -> 0, 1.5/255 * 255 -> 2, 2.5/255 * 255 -> 2; 1 -> 255
        assertThat(Images.toByte(0f)).isZero();
        assertThat(Images.toByte(1f)).isEqualTo(255);
        assertThat(Images.toByte(0.5f / 255f * 255f / 255f)).isEqualTo(0);
        assertThat(Images.toByte(0.2f)).isEqualTo(51);
        assertThat(Images.toByte(0.998f)).isEqualTo(254);
    }

    @Test
    void numpyToPilMakesOneRgbImagePerBatchItem() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[] values = new float[2 * 1 * 2 * 3];
            values[0] = 1f;          // image 0, pixel (0, 0), red
            values[3 + 2] = 0.2f;    // image 0, pixel (1, 0), blue
            values[6 + 1] = 1f;      // image 1, pixel (0, 0), green
            List<BufferedImage> images = Images.numpyToPil(manager.create(values, new Shape(2, 1, 2, 3)));

            assertThat(images).hasSize(2);
            assertThat(images.get(0).getWidth()).isEqualTo(2);
            assertThat(images.get(0).getHeight()).isEqualTo(1);
            assertThat(images.get(0).getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xFF0000);
            assertThat(images.get(0).getRGB(1, 0) & 0xFFFFFF).isEqualTo(0x000033);
            assertThat(images.get(1).getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x00FF00);
        }
    }

    @Test
    void numpyToPilRefusesOtherLayouts() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> Images.numpyToPil(manager.zeros(new Shape(1, 3, 8, 8))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("numpyToPil expects NHWC images with 3 (RGB) or 1 (grayscale) channels, but got"
                            + " shape (1, 3, 8, 8)");
        }
    }

    @Test
    void makeImageGridPastesRowByRow() {
        List<BufferedImage> images = List.of(solid(0x110000), solid(0x220000), solid(0x330000),
                solid(0x440000), solid(0x550000), solid(0x660000));

        BufferedImage grid = Images.makeImageGrid(images, 2, 3);

        assertThat(grid.getWidth()).isEqualTo(3 * 4);
        assertThat(grid.getHeight()).isEqualTo(2 * 5);
        for (int i = 0; i < 6; i++) {
            int x = i % 3 * 4;
            int y = i / 3 * 5;
            assertThat(grid.getRGB(x, y) & 0xFFFFFF).as("cell %d", i).isEqualTo((i + 1) * 0x110000);
            assertThat(grid.getRGB(x + 3, y + 4) & 0xFFFFFF).as("cell %d", i).isEqualTo((i + 1) * 0x110000);
        }
    }

    @Test
    void makeImageGridCopiesGrayscaleValuesUnchanged() {
        BufferedImage gray = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 100);

        BufferedImage grid = Images.makeImageGrid(List.of(gray), 1, 1);

        assertThat(grid.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x646464);
    }

    @Test
    void makeImageGridNeedsRowsTimesColsImages() {
        List<BufferedImage> five = List.of(solid(0), solid(0), solid(0), solid(0), solid(0));

        assertThatThrownBy(() -> Images.makeImageGrid(five, 2, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("makeImageGrid needs rows * cols images: 2 * 3 = 6, but got 5");
    }

    private static BufferedImage solid(int rgb) {
        BufferedImage image = new BufferedImage(4, 5, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 4; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    @Test
    void viewingGridScalesEachPixelAndLeavesGrayGaps() {
        BufferedImage one = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        one.getRaster().setSample(0, 0, 0, 255);
        BufferedImage two = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        two.getRaster().setSample(1, 0, 0, 7);

        BufferedImage grid = Images.viewingGrid(List.of(one, two), 1, 2, 3, 1);

        // 1 + 2 * (6 + 1) wide, 1 + (3 + 1) high
        assertThat(grid.getWidth()).isEqualTo(15);
        assertThat(grid.getHeight()).isEqualTo(5);
        assertThat(grid.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        int[] row = grid.getRaster().getSamples(0, 2, 15, 1, 0, new int[15]);
        assertThat(row).containsExactly(128, 255, 255, 255, 0, 0, 0, 128, 0, 0, 0, 7, 7, 7, 128);
        assertThat(grid.getRaster().getSamples(0, 0, 15, 1, 0, new int[15])).containsOnly(128);
    }

    @Test
    void pngTextChunksAreWrittenAndReadBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path file = dir.resolve("x.png");
        java.util.Map<String, String> text = new java.util.LinkedHashMap<>();
        text.put("seeds", "18446744073709551615");
        text.put("scheduler", "DDIMScheduler");

        Images.writePng(new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY), file, text);

        assertThat(Images.readPngText(file)).containsExactlyEntriesOf(text);
        assertThat(javax.imageio.ImageIO.read(file.toFile()).getWidth()).isEqualTo(3);
        assertThatThrownBy(() -> Images.writePng(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), file,
                java.util.Map.of("", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A PNG text keyword has 1 to 79 characters, but got \"\"");
    }
}
