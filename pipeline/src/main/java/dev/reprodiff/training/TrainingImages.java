package dev.reprodiff.training;

import java.util.Objects;

/**
 * Grayscale training images as unsigned bytes (0 black to 255 white), {@code count} of {@code height x width} in
 * row-major order, and how a batch of them becomes the model's input: centred on a square of {@code size} pixels
 * (zero padding: Fashion-MNIST's 28x28 become 32x32) and scaled to [-1, 1] as {@code byte / 127.5 - 1}.
 */
public record TrainingImages(byte[] pixels, int count, int height, int width) {

    public TrainingImages {
        Objects.requireNonNull(pixels, "pixels");
        if (count < 1 || height < 1 || width < 1 || (long) count * height * width != pixels.length) {
            throw new IllegalArgumentException("TrainingImages: " + pixels.length + " bytes do not hold " + count
                    + " images of " + height + "x" + width);
        }
    }

    /** The first {@code n} images. */
    public TrainingImages first(int n) {
        if (n < 1 || n > count) {
            throw new IllegalArgumentException("Cannot take the first " + n + " of " + count + " images");
        }
        return new TrainingImages(java.util.Arrays.copyOf(pixels, n * height * width), n, height, width);
    }

    /**
     * The images {@code indices} as one (batch, 1, size, size) float32 block in [-1, 1], each centred with zero
     * (black, -1) padding.
     */
    public float[] batch(int[] indices, int size) {
        if (size < height || size < width) {
            throw new IllegalArgumentException("Cannot pad " + height + "x" + width + " images to " + size + "x"
                    + size + ": the sample size must be at least the image size");
        }
        int top = (size - height) / 2;
        int left = (size - width) / 2;
        float[] out = new float[indices.length * size * size];
        java.util.Arrays.fill(out, -1f);
        for (int b = 0; b < indices.length; b++) {
            int image = indices[b];
            if (image < 0 || image >= count) {
                throw new IndexOutOfBoundsException("Image " + image + " of " + count);
            }
            int source = image * height * width;
            int target = b * size * size;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int value = pixels[source + y * width + x] & 0xff;
                    out[target + (y + top) * size + x + left] = value / 127.5f - 1f;
                }
            }
        }
        return out;
    }
}
