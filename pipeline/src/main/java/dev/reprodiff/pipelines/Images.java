package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Image helpers of diffusers' {@code pil_utils}: {@code numpy_to_pil} and {@code make_image_grid}. */
public final class Images {

    private Images() {
    }

    /**
     * {@code numpy_to_pil}: NHWC float images in [0, 1] (3 channels: RGB, 1: grayscale) to images, each value
     * {@code round(x * 255)} (float32 product, rounding half to even) as an unsigned byte.
     */
    public static List<BufferedImage> numpyToPil(NDArray images) {
        Shape shape = images.getShape();
        if (shape.dimension() == 3) {
            shape = new Shape(1).addAll(shape);
        }
        if (shape.dimension() != 4 || (shape.get(3) != 3 && shape.get(3) != 1)) {
            throw new IllegalArgumentException("numpyToPil expects NHWC images with 3 (RGB) or 1 (grayscale)"
                    + " channels, but got shape " + images.getShape());
        }
        int n = (int) shape.get(0);
        int height = (int) shape.get(1);
        int width = (int) shape.get(2);
        int channels = (int) shape.get(3);
        float[] values = images.toFloatArray();
        List<BufferedImage> result = new ArrayList<>(n);
        int index = 0;
        for (int i = 0; i < n; i++) {
            BufferedImage image = new BufferedImage(width, height,
                    channels == 3 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    if (channels == 3) {
                        int r = toByte(values[index++]);
                        int g = toByte(values[index++]);
                        int b = toByte(values[index++]);
                        image.setRGB(x, y, (r << 16) | (g << 8) | b);
                    } else {
                        image.getRaster().setSample(x, y, 0, toByte(values[index++]));
                    }
                }
            }
            result.add(image);
        }
        return result;
    }

    /** {@code (x * 255).round().astype(uint8)} for x in [0, 1]: numpy rounds half to even. */
    static int toByte(float value) {
        float scaled = value * 255f;
        return ((int) Math.rint(scaled)) & 0xFF;
    }

    /**
     * {@code make_image_grid}: the images pasted row by row into a {@code rows} by {@code cols} grid of cells the
     * size of the first image, on a black RGB canvas.
     *
     * @throws IllegalArgumentException unless {@code rows * cols} equals the number of images
     */
    public static BufferedImage makeImageGrid(List<BufferedImage> images, int rows, int cols) {
        if (rows <= 0 || cols <= 0 || images.size() != rows * cols) {
            throw new IllegalArgumentException("makeImageGrid needs rows * cols images: " + rows + " * " + cols
                    + " = " + rows * cols + ", but got " + images.size());
        }
        int width = images.get(0).getWidth();
        int height = images.get(0).getHeight();
        BufferedImage grid = new BufferedImage(cols * width, rows * height, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < images.size(); i++) {
            paste(grid, images.get(i), i % cols * width, i / cols * height);
        }
        return grid;
    }

    /**
     * PIL's {@code paste}: copies pixel values, cropped to the canvas. Grayscale samples are copied as they are
     * (Java2D would convert its linear gray colour space with a gamma curve, which PIL does not).
     */
    private static void paste(BufferedImage canvas, BufferedImage image, int left, int top) {
        int width = Math.min(image.getWidth(), canvas.getWidth() - left);
        int height = Math.min(image.getHeight(), canvas.getHeight() - top);
        boolean gray = image.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb;
                if (gray) {
                    int v = image.getRaster().getSample(x, y, 0);
                    rgb = (v << 16) | (v << 8) | v;
                } else {
                    rgb = image.getRGB(x, y);
                }
                canvas.setRGB(left + x, top + y, rgb);
            }
        }
    }
}
