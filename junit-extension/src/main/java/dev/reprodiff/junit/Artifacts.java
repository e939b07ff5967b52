package dev.reprodiff.junit;

import dev.reprodiff.golden.DifferenceScale;
import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.io.FloatTensor;
import dev.reprodiff.io.SafeTensors;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a failed golden comparison leaves for a person to look at: the actual tensor, and PNGs of images. */
final class Artifacts {

    private Artifacts() {
    }

    /** One file written, and what it is ({@code .actual.png}), for the name it is attached under. */
    record Artifact(Path file, String suffix) {
    }

    /** Writes the artifacts of golden {@code name} into {@code folder}, keeping the golden's folders. */
    static List<Artifact> write(Path folder, String name, ActualTensor actual, float[] golden) throws IOException {
        List<Artifact> written = new ArrayList<>();
        Path base = folder.resolve(name);
        Files.createDirectories(base.getParent());
        Artifact tensor = artifact(base, ".actual.safetensors");
        SafeTensors.saveFloats(tensor.file(), Map.of(actual.trajectory() ? "trajectory" : "actual",
                new FloatTensor(actual.shape(), actual.data())), Map.of("format", "pt"));
        written.add(tensor);
        int[] chw = imageShape(actual.trajectory() ? lastStepShape(actual.shape()) : actual.shape());
        if (chw != null) {
            int offset = actual.data().length - chw[0] * chw[1] * chw[2];   // the last step of a trajectory
            boolean nhwc = chw[3] == 1;
            float[] min = {Float.POSITIVE_INFINITY};
            float[] max = {Float.NEGATIVE_INFINITY};
            range(golden, offset, min, max);
            range(actual.data(), offset, min, max);
            written.add(png(base, ".expected.png", image(golden, offset, chw, nhwc, min[0], max[0])));
            written.add(png(base, ".actual.png", image(actual.data(), offset, chw, nhwc, min[0], max[0])));
            written.add(png(base, ".difference.png", heatMap(actual.data(), golden, offset, chw, nhwc)));
        }
        return written;
    }

    /**
     * (C, H, W, layout) for a tensor shaped (1, ..., C, H, W) with C in 1, 3, 4 (layout 0), or (1, ..., H, W, C), as
     * pipelines return pictures (NHWC, layout 1), or (H, W) of at least 8 x 8 (layout 0); else null. A shape that
     * reads both ways, such as (3, 3, 3), is taken as channels first.
     */
    static int[] imageShape(long[] shape) {
        if (shape.length == 2 && shape[0] >= 8 && shape[1] >= 8) {
            return new int[] {1, (int) shape[0], (int) shape[1], 0};
        }
        if (shape.length < 3) {
            return null;
        }
        for (int d = 0; d < shape.length - 3; d++) {
            if (shape[d] != 1) {
                return null;
            }
        }
        long a = shape[shape.length - 3];
        long b = shape[shape.length - 2];
        long c = shape[shape.length - 1];
        if (isChannels(a) && b > 1 && c > 1 && b * c <= (1 << 24)) {
            return new int[] {(int) a, (int) b, (int) c, 0};
        }
        if (isChannels(c) && a > 1 && b > 1 && a * b <= (1 << 24)) {
            return new int[] {(int) c, (int) a, (int) b, 1};
        }
        return null;
    }

    private static boolean isChannels(long n) {
        return n == 1 || n == 3 || n == 4;
    }

    /** The index of channel {@code channel} of pixel {@code pixel} (y * w + x), channels first or last. */
    private static int at(int offset, int[] chw, boolean nhwc, int channel, int pixel) {
        return nhwc ? offset + pixel * chw[0] + channel : offset + channel * chw[1] * chw[2] + pixel;
    }

    private static long[] lastStepShape(long[] shape) {
        long[] step = new long[shape.length - 1];
        System.arraycopy(shape, 1, step, 0, step.length);
        return step;
    }

    private static void range(float[] values, int offset, float[] min, float[] max) {
        for (int i = offset; i < values.length; i++) {
            if (Float.isFinite(values[i])) {
                min[0] = Math.min(min[0], values[i]);
                max[0] = Math.max(max[0], values[i]);
            }
        }
    }

    /** Both images share one value range, so that the same value is the same gray or color in each. */
    private static BufferedImage image(float[] values, int offset, int[] chw, boolean nhwc, float min, float max) {
        int c = chw[0];
        int h = chw[1];
        int w = chw[2];
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        float scale = max > min ? 255f / (max - min) : 0f;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = 0;
                for (int channel = 0; channel < 3; channel++) {
                    float v = values[at(offset, chw, nhwc, c >= 3 ? channel : 0, y * w + x)];
                    int level = Float.isFinite(v) ? Math.round((v - min) * scale) : 0;
                    rgb = (rgb << 8) | Math.max(0, Math.min(255, level));
                }
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    /**
     * The largest absolute difference over channels, on {@link DifferenceScale}'s absolute scale (black where the
     * images agree, the same colour for the same difference in every map), which the report's legend explains.
     */
    private static BufferedImage heatMap(float[] actual, float[] golden, int offset, int[] chw, boolean nhwc) {
        int c = chw[0];
        int h = chw[1];
        int w = chw[2];
        double[] diff = new double[h * w];
        for (int channel = 0; channel < c; channel++) {
            for (int i = 0; i < h * w; i++) {
                int at = at(offset, chw, nhwc, channel, i);
                double d = Math.abs((double) actual[at] - (double) golden[at]);
                if (Float.isInfinite(actual[at]) && actual[at] == golden[at]) {
                    d = 0;
                }
                diff[i] = Double.isNaN(d) || Double.isNaN(diff[i]) ? Double.NaN : Math.max(diff[i], d);
            }
        }
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < h * w; i++) {
            image.setRGB(i % w, i / w, DifferenceScale.rgb(diff[i]));
        }
        return image;
    }

    private static Artifact png(Path base, String suffix, BufferedImage image) throws IOException {
        Artifact png = artifact(base, suffix);
        ImageIO.write(image, "png", png.file().toFile());
        return png;
    }

    /** The golden's last name part plus {@code suffix}, shortened to fit a file name. */
    private static Artifact artifact(Path base, String suffix) {
        return new Artifact(base.resolveSibling(GoldenFiles.fitFileName(base.getFileName().toString(), suffix)),
                suffix);
    }
}
