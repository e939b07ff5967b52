package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Image helpers of diffusers' {@code pil_utils} ({@code numpy_to_pil} and {@code make_image_grid}), and a grid for
 * people to look at ({@link #viewingGrid}) written as a PNG with text chunks ({@link #writePng}).
 */
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

    /**
     * A grid for people to look at: each image scaled up {@code scale} times (nearest neighbour, so every generated
     * pixel stays visible as a block of equal pixels), with {@code gap} pixels of mid-gray between cells and around
     * the grid. Grayscale images give a grayscale grid, others an RGB one.
     */
    public static BufferedImage viewingGrid(List<BufferedImage> images, int rows, int cols, int scale, int gap) {
        if (rows <= 0 || cols <= 0 || images.size() != rows * cols) {
            throw new IllegalArgumentException("viewingGrid needs rows * cols images: " + rows + " * " + cols
                    + " = " + rows * cols + ", but got " + images.size());
        }
        if (scale < 1 || gap < 0) {
            throw new IllegalArgumentException("viewingGrid needs a scale of at least 1 and a gap of at least 0, but"
                    + " got scale " + scale + " and gap " + gap);
        }
        int cellWidth = images.get(0).getWidth() * scale;
        int cellHeight = images.get(0).getHeight() * scale;
        boolean gray = images.stream().allMatch(image -> image.getType() == BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage grid = new BufferedImage(gap + cols * (cellWidth + gap), gap + rows * (cellHeight + gap),
                gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < grid.getHeight(); y++) {
            for (int x = 0; x < grid.getWidth(); x++) {
                setPixel(grid, x, y, 0x808080, gray);
            }
        }
        for (int i = 0; i < images.size(); i++) {
            BufferedImage image = images.get(i);
            int left = gap + i % cols * (cellWidth + gap);
            int top = gap + i / cols * (cellHeight + gap);
            boolean source = image.getType() == BufferedImage.TYPE_BYTE_GRAY;
            for (int y = 0; y < Math.min(cellHeight, image.getHeight() * scale); y++) {
                for (int x = 0; x < Math.min(cellWidth, image.getWidth() * scale); x++) {
                    int v;
                    if (source) {
                        int g = image.getRaster().getSample(x / scale, y / scale, 0);
                        v = (g << 16) | (g << 8) | g;
                    } else {
                        v = image.getRGB(x / scale, y / scale) & 0xFFFFFF;
                    }
                    setPixel(grid, left + x, top + y, v, gray);
                }
            }
        }
        return grid;
    }

    /** Sets a pixel from 0xRRGGBB: the red byte as the sample of a grayscale image (whose values are gray). */
    private static void setPixel(BufferedImage image, int x, int y, int rgb, boolean gray) {
        if (gray) {
            image.getRaster().setSample(x, y, 0, (rgb >> 16) & 0xFF);
        } else {
            image.setRGB(x, y, rgb);
        }
    }

    /**
     * Writes {@code image} as a PNG with one {@code tEXt} chunk per entry of {@code text} (keywords of 1 to 79
     * Latin-1 characters, as the PNG specification allows), atomically: to a temporary file beside {@code file}, then
     * renamed over it.
     */
    public static void writePng(BufferedImage image, Path file, Map<String, String> text) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try {
            IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image),
                    null);
            IIOMetadataNode chunks = new IIOMetadataNode("tEXt");
            text.forEach((keyword, value) -> {
                if (keyword.isEmpty() || keyword.length() > 79) {
                    throw new IllegalArgumentException("A PNG text keyword has 1 to 79 characters, but got \""
                            + keyword + "\"");
                }
                IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                entry.setAttribute("keyword", keyword);
                entry.setAttribute("value", value);
                chunks.appendChild(entry);
            });
            IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
            root.appendChild(chunks);
            try {
                metadata.mergeTree("javax_imageio_png_1.0", root);
            } catch (IIOInvalidTreeException e) {
                throw new IOException("Cannot add text chunks to the PNG metadata: " + e.getMessage(), e);
            }
            Path parent = file.toAbsolutePath().getParent();
            Path temp = Files.createTempFile(parent, ".reprodiff-", ".png.tmp");
            try {
                try (ImageOutputStream out = ImageIO.createImageOutputStream(temp.toFile())) {
                    writer.setOutput(out);
                    writer.write(null, new IIOImage(image, null, metadata), null);
                }
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } finally {
            writer.dispose();
        }
    }

    /** The {@code tEXt} chunks of a PNG file, keyword to value, in file order. */
    public static Map<String, String> readPngText(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (in == null || !readers.hasNext()) {
                throw new IOException("Not an image file: " + file);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                Node root = reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
                Map<String, String> text = new LinkedHashMap<>();
                NodeList children = root.getChildNodes();
                for (int i = 0; i < children.getLength(); i++) {
                    if (children.item(i).getNodeName().equals("tEXt")) {
                        NodeList entries = children.item(i).getChildNodes();
                        for (int j = 0; j < entries.getLength(); j++) {
                            IIOMetadataNode entry = (IIOMetadataNode) entries.item(j);
                            text.put(entry.getAttribute("keyword"), entry.getAttribute("value"));
                        }
                    }
                }
                return text;
            } finally {
                reader.dispose();
            }
        }
    }
}
