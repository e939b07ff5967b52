package dev.reprodiff.training;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The IDX reader, on the first 32 Fashion-MNIST training images copied into the test resources. */
class FashionMnistTests {

    static Path folder() throws URISyntaxException {
        return Path.of(FashionMnistTests.class.getResource("/dev/reprodiff/training/fashion-mnist-32").toURI());
    }

    @Test
    void readsImagesAndLabels() throws Exception {
        TrainingImages images = FashionMnist.trainingImages(folder());
        byte[] labels = FashionMnist.readLabels(folder().resolve(FashionMnist.TRAIN_LABELS));

        assertThat(images.count()).isEqualTo(32);
        assertThat(images.height()).isEqualTo(28);
        assertThat(images.width()).isEqualTo(28);
        long sum = 0;
        for (int i = 0; i < 784; i++) {
            sum += images.pixels()[i] & 0xff;
        }
        assertThat(sum).isEqualTo(76247);   // the first image, an ankle boot (label 9)
        assertThat(labels).startsWith(9, 0, 0, 3, 0, 2, 7, 2, 5, 5).hasSize(32);
        assertThat(FashionMnist.CLASSES.get(labels[0])).isEqualTo("Ankle boot");
    }

    @Test
    void aBatchIsPaddedTo32AndScaledToMinusOneOne() throws Exception {
        TrainingImages images = FashionMnist.trainingImages(folder());

        float[] batch = images.batch(new int[] {0, 0}, 32);

        assertThat(batch).hasSize(2 * 32 * 32);
        assertThat(batch[0]).isEqualTo(-1f);                                  // padding
        // row 14 of the first image starts 00 00 01 04 06 07 02 00 ...: pixel (14, 2) = 1, at (16, 4) padded
        assertThat(batch[16 * 32 + 4]).isEqualTo(1 / 127.5f - 1f);
        assertThat(batch[16 * 32 + 2 + 12]).isEqualTo((0xed) / 127.5f - 1f);
        assertThat(batch[1024 + 16 * 32 + 4]).isEqualTo(batch[16 * 32 + 4]);
    }

    @Test
    void aMissingFolderSaysHowToInstallTheDataSet(@TempDir Path dir) {
        assertThatThrownBy(() -> FashionMnist.trainingImages(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Fashion-MNIST file not found: " + dir.resolve("train-images-idx3-ubyte.gz")
                        + " (expected the IDX files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ... in "
                        + dir + "). Install them with `apt-get install dataset-fashion-mnist` (they go to"
                        + " /usr/share/datasets/fashion-mnist), or point --data at a folder that holds them.");
    }

    @Test
    void aFileThatIsNotIdxIsNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(FashionMnist.TRAIN_IMAGES);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        }

        assertThatThrownBy(() -> FashionMnist.trainingImages(dir))
                .isInstanceOf(IOException.class)
                .hasMessage("Not an unsigned-byte IDX file: " + file + " starts with magic 0x504b0304; expected"
                        + " 0x000008 and 1 to 4 dimensions (0x00000803 for images, 0x00000801 for labels)");
    }

    @Test
    void aTruncatedFileIsNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(FashionMnist.TRAIN_IMAGES);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3});
        }

        assertThatThrownBy(() -> FashionMnist.trainingImages(dir))
                .isInstanceOf(IOException.class)
                .hasMessage("Truncated IDX file: " + file + " should hold 1568 bytes of data");
    }
}
