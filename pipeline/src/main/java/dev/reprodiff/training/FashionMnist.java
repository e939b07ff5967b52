package dev.reprodiff.training;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST's training images (Zalando SE, MIT licence), read from the IDX files that Debian's
 * {@code dataset-fashion-mnist} package installs under {@link #DEFAULT_FOLDER}. Only training reads them; neither the
 * build nor the runtime needs them.
 *
 * <p>An IDX file is a big-endian header (two zero bytes, a type byte, 0x08 for unsigned bytes, the number of
 * dimensions, then one 32-bit size per dimension) followed by the data in row-major order. Files ending in
 * {@code .gz} are decompressed while read.
 */
public final class FashionMnist {

    /** Where {@code apt-get install dataset-fashion-mnist} puts the IDX files. */
    public static final Path DEFAULT_FOLDER = Path.of("/usr/share/datasets/fashion-mnist");

    /** The training images' file name, gzip compressed. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";

    /** The training labels' file name, gzip compressed. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";

    /** The test images' file name, gzip compressed. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";

    /** The test labels' file name, gzip compressed. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

    /** The ten classes, in label order. */
    public static final java.util.List<String> CLASSES = java.util.List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final int UNSIGNED_BYTE = 0x08;

    private FashionMnist() {
    }

    /** The training images of {@code folder} ({@value #TRAIN_IMAGES}), as {@link TrainingImages}. */
    public static TrainingImages trainingImages(Path folder) throws IOException {
        return readImages(requireFile(folder, TRAIN_IMAGES));
    }

    /** The file {@code name} in {@code folder}, or an error that says how to install the data set. */
    public static Path requireFile(Path folder, String name) {
        Path file = folder.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Fashion-MNIST file not found: " + file + " (expected the IDX files "
                    + TRAIN_IMAGES + ", " + TRAIN_LABELS + ", ... in " + folder + "). Install them with"
                    + " `apt-get install dataset-fashion-mnist` (they go to " + DEFAULT_FOLDER + "), or point --data"
                    + " at a folder that holds them.");
        }
        return file;
    }

    /** An IDX file of unsigned-byte images (N, height, width). */
    public static TrainingImages readImages(Path file) throws IOException {
        Idx idx = read(file);
        if (idx.dimensions.length != 3) {
            throw new IOException("Not an IDX image file: " + file + " has " + idx.dimensions.length
                    + " dimensions; expected 3 (images, rows, columns)");
        }
        return new TrainingImages(idx.data, idx.dimensions[0], idx.dimensions[1], idx.dimensions[2]);
    }

    /** An IDX file of unsigned-byte labels (N). */
    public static byte[] readLabels(Path file) throws IOException {
        Idx idx = read(file);
        if (idx.dimensions.length != 1) {
            throw new IOException("Not an IDX label file: " + file + " has " + idx.dimensions.length
                    + " dimensions; expected 1 (labels)");
        }
        return idx.data;
    }

    private record Idx(int[] dimensions, byte[] data) {
    }

    private static Idx read(Path file) throws IOException {
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        try (InputStream stream = file.getFileName().toString().endsWith(".gz")
                ? new GZIPInputStream(raw, 1 << 16) : raw;
             DataInputStream in = new DataInputStream(stream)) {
            int zero = in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int rank = in.readUnsignedByte();
            if (zero != 0 || type != UNSIGNED_BYTE || rank < 1 || rank > 4) {
                throw new IOException("Not an unsigned-byte IDX file: " + file + " starts with magic 0x"
                        + String.format("%04x%02x%02x", zero, type, rank) + "; expected 0x000008 and 1 to 4"
                        + " dimensions (0x00000803 for images, 0x00000801 for labels)");
            }
            int[] dimensions = new int[rank];
            long size = 1;
            for (int i = 0; i < rank; i++) {
                dimensions[i] = in.readInt();
                size *= dimensions[i];
            }
            if (size > Integer.MAX_VALUE - 16) {
                throw new IOException("IDX file " + file + " is too large: " + size + " elements");
            }
            byte[] data = new byte[(int) size];
            try {
                in.readFully(data);
            } catch (EOFException e) {
                throw new IOException("Truncated IDX file: " + file + " should hold " + size + " bytes of data", e);
            }
            return new Idx(dimensions, data);
        }
    }
}
