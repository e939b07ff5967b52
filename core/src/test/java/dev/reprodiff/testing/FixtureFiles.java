package dev.reprodiff.testing;

import ai.djl.ndarray.NDArray;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Paths of fixture folders copied into the test resources, and the L-infinity bookkeeping of fixture comparisons. */
public final class FixtureFiles {

    private static final Map<String, Double> WORST = new TreeMap<>();

    private FixtureFiles() {
    }

    /** {@code /fixtures/<relative>} on the test classpath as a directory path. */
    public static Path path(String relative) {
        URL url = Objects.requireNonNull(FixtureFiles.class.getResource("/fixtures/" + relative),
                () -> "missing test resource /fixtures/" + relative);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A writable copy of the fixture folder {@code /fixtures/<relative>} in {@code target}, for tests that break it. */
    public static Path copy(String relative, Path target) throws IOException {
        Path source = path(relative);
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(source)) {
            paths = walk.toList();
        }
        for (Path path : paths) {
            Path copy = target.resolve(source.relativize(path).toString());
            if (Files.isDirectory(path)) {
                Files.createDirectories(copy);
            } else {
                Files.copy(path, copy);
            }
        }
        return target;
    }

    /** max |actual - expected|, after checking the shapes agree. */
    public static double linf(NDArray actual, NDArray expected) {
        if (!actual.getShape().equals(expected.getShape())) {
            throw new AssertionError("shape " + actual.getShape() + " differs from the fixture's "
                    + expected.getShape());
        }
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - e[i]);
            if (!(d <= worst)) {
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return worst;
    }

    /** Records an achieved L-infinity under a group name, keeping the worst, and returns it. */
    public static synchronized double record(String group, double linf) {
        WORST.merge(group, linf, Math::max);
        return linf;
    }

    /** The worst L-infinity recorded per group so far, for reports. */
    public static synchronized String report() {
        StringBuilder report = new StringBuilder("Worst L-infinity against the diffusers fixtures:");
        WORST.forEach((group, linf) -> report.append(String.format("%n  %-50s %.3e", group, linf)));
        return report.toString();
    }
}
