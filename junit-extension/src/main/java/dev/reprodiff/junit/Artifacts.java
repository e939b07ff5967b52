package dev.reprodiff.junit;

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
            float[] min = {Float.POSITIVE_INFINITY};
            float[] max = {Float.NEGATIVE_INFINITY};
            range(golden, offset, min, max);
            range(actual.data(), offset, min, max);
            written.add(png(base, ".expected.png", image(golden, offset, chw, min[0], max[0])));
            written.add(png(base, ".actual.png", image(actual.data(), offset, chw, min[0], max[0])));
            written.add(png(base, ".difference.png", heatMap(actual.data(), golden, offset, chw)));
        }
        return written;
    }

    /** (C, H, W) for a tensor shaped (1, ..., C, H, W) with C in 1, 3, 4, or (H, W) of at least 8 x 8; else null. */
    static int[] imageShape(long[] shape) {
        if (shape.length == 2 && shape[0] >= 8 && shape[1] >= 8) {
            return new int[] {1, (int) shape[0], (int) shape[1]};
        }
        if (shape.length < 3) {
            return null;
        }
        for (int d = 0; d < shape.length - 3; d++) {
            if (shape[d] != 1) {
                return null;
            }
        }
        long c = shape[shape.length - 3];
        long h = shape[shape.length - 2];
        long w = shape[shape.length - 1];
        boolean image = (c == 1 || c == 3 || c == 4) && h > 1 && w > 1 && h * w <= (1 << 24);
        return image ? new int[] {(int) c, (int) h, (int) w} : null;
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
    private static BufferedImage image(float[] values, int offset, int[] chw, float min, float max) {
        int c = chw[0];
        int h = chw[1];
        int w = chw[2];
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        float scale = max > min ? 255f / (max - min) : 0f;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = 0;
                for (int channel = 0; channel < 3; channel++) {
                    float v = values[offset + (c >= 3 ? channel : 0) * h * w + y * w + x];
                    int level = Float.isFinite(v) ? Math.round((v - min) * scale) : 0;
                    rgb = (rgb << 8) | Math.max(0, Math.min(255, level));
                }
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    /** Black where the images agree, through red to yellow at the largest absolute difference over channels. */
    private static BufferedImage heatMap(float[] actual, float[] golden, int offset, int[] chw) {
        int c = chw[0];
        int h = chw[1];
        int w = chw[2];
        float[] diff = new float[h * w];
        float maxDiff = 0;
        for (int channel = 0; channel < c; channel++) {
            for (int i = 0; i < h * w; i++) {
                int at = offset + channel * h * w + i;
                float d = Math.abs(actual[at] - golden[at]);
                diff[i] = Float.isNaN(d) ? Float.POSITIVE_INFINITY : Math.max(diff[i], d);
                maxDiff = Float.isFinite(diff[i]) ? Math.max(maxDiff, diff[i]) : maxDiff;
            }
        }
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < h * w; i++) {
            float t = Float.isInfinite(diff[i]) ? 1f : maxDiff > 0 ? diff[i] / maxDiff : 0f;
            int red = Math.round(Math.min(1f, 2 * t) * 255);
            int green = Math.round(Math.max(0f, 2 * t - 1) * 255);
            image.setRGB(i % w, i / w, (red << 16) | (green << 8));
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
