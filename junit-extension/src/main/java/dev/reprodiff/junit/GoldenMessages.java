package dev.reprodiff.junit;

import dev.reprodiff.golden.Platform;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The messages of golden failures, in the shape of AssertJ's "Expecting actual" and torch's assert_close. */
final class GoldenMessages {

    private GoldenMessages() {
    }

    /** Where a failure came from and how to reproduce or re-record it. */
    record Origin(String context, String seeds, String replay, String record) {

        String header() {
            return "[" + context + (seeds == null ? "" : ", " + seeds) + "]\n";
        }

        String footer() {
            return (seeds == null ? "" : "Seeds: " + seeds + "\n") + "Replay: " + replay + "\nRecord: " + record;
        }
    }

    /** Everything a mismatch message says. */
    record Mismatch(Origin origin, ActualTensor actual, Platform current, String goldenLocation,
                    GoldenStore.Selected selected, Tolerance tolerance, TensorComparison.Result result,
                    float[] golden, int firstStep, double[] stepLinf, String artifacts) {
    }

    /** {@code isCloseTo}'s message: the statistics of {@link #mismatch}, without a golden. */
    static String notClose(String description, ActualTensor actual, float[] expected, Tolerance tolerance,
                           TensorComparison.Result r) {
        StringBuilder message = new StringBuilder(description == null || description.isEmpty() ? ""
                : "[" + description + "]\n").append("Expecting actual:\n  ").append(actual.summary())
                .append("\nto be close to expected:\n  ").append(actual.dtype())
                .append(ActualTensor.format(actual.shape())).append("\nwithin ")
                .append(tolerance.rule().replace("golden", "expected")).append(", but\n");
        appendStatistics(message, actual.shape(), actual.data(), expected, "expected", tolerance, r);
        return message.toString().stripTrailing();
    }

    static String mismatch(Mismatch m) {
        TensorComparison.Result r = m.result();
        long[] shape = m.actual().shape();
        float[] actual = m.actual().data();
        StringBuilder message = new StringBuilder(m.origin().header())
                .append("Expecting actual:\n  ").append(m.actual().summary())
                .append("\n  computed on ").append(m.current().describe())
                .append("\nto match golden:\n  ").append(m.goldenLocation()).append("  ")
                .append(m.selected().variant().dtype()).append(ActualTensor.format(m.selected().variant().shape()))
                .append("\n  (").append(m.selected().choice()).append(")\n  recorded on ")
                .append(m.selected().variant().platform().describe())
                .append("\nwithin ").append(m.tolerance().rule()).append(" (").append(m.tolerance().source())
                .append("), but\n");
        appendStatistics(message, shape, actual, m.golden(), "golden", m.tolerance(), r);
        if (m.stepLinf() != null) {
            message.append(m.firstStep() < 0 ? "  Every step is within tolerance on its own\n"
                    : "  First step out of tolerance: step " + m.firstStep() + " of " + m.stepLinf().length
                    + " (counting from 0)\n");
            message.append("  L-inf by step: ").append(Arrays.stream(m.stepLinf())
                    .mapToObj(v -> String.format(Locale.ROOT, "%.2e", v)).collect(Collectors.joining(", ")))
                    .append('\n');
        }
        message.append(m.origin().footer());
        if (m.artifacts() != null) {
            message.append("\nArtifacts: ").append(m.artifacts());
        }
        return message.toString();
    }

    /** Counts, worst absolute and relative differences with the values there, and the cosine distance. */
    private static void appendStatistics(StringBuilder message, long[] shape, float[] actual, float[] golden,
                                         String label, Tolerance tolerance, TensorComparison.Result r) {
        message.append(String.format(Locale.ROOT, "  Mismatched elements: %d / %d (%.1f%%)%n", r.mismatched(),
                r.total(), 100.0 * r.mismatched() / r.total()));
        if (r.maxAbsIndex() < 0) {
            message.append("  Every difference is NaN\n");
        } else {
            String absAt = ActualTensor.index(shape, r.maxAbsIndex());
            String relAt = ActualTensor.index(shape, r.maxRelIndex());
            double allowed = tolerance.atol() + tolerance.rtol() * Math.abs(golden[r.maxAbsIndex()]);
            message.append(String.format(Locale.ROOT,
                    "  Greatest absolute difference: %.2e at index %s (up to %.2e allowed)%n", r.maxAbs(), absAt,
                    allowed));
            message.append(String.format(Locale.ROOT,
                    "  Greatest relative difference: %.2e at index %s (up to %.2e allowed)%n", r.maxRel(), relAt,
                    tolerance.rtol()));
            message.append(at(absAt, actual[r.maxAbsIndex()], label, golden[r.maxAbsIndex()]));
            if (r.maxRelIndex() != r.maxAbsIndex()) {
                message.append(at(relAt, actual[r.maxRelIndex()], label, golden[r.maxRelIndex()]));
            }
        }
        message.append(String.format(Locale.ROOT, "  Cosine distance: %.2e%n", r.cosineDistance()));
    }

    /** The short summary an IDE diffs: the worst element of each side. */
    static String summary(ActualTensor tensor, float[] values, int index) {
        return index < 0 ? tensor.summary() : tensor.summary() + " with " + value(values[index]) + " at "
                + ActualTensor.index(tensor.shape(), index);
    }

    static String shapeMismatch(Origin origin, ActualTensor actual, String goldenLocation, String goldenDtype,
                                long[] goldenShape) {
        return origin.header() + "Expecting actual:\n  " + actual.summary() + "\nto have the shape of golden:\n  "
                + goldenLocation + "  " + goldenDtype + ActualTensor.format(goldenShape)
                + "\nbut the shapes differ.\n" + origin.footer();
    }

    static String missing(Origin origin, String name, String reason, String recordMissing, boolean ciRefused) {
        return origin.header() + "No golden \"" + name + "\" for this platform: " + reason + ".\n"
                + (ciRefused ? ciRefusal(name) + ".\n" : "") + "Record it: " + recordMissing;
    }

    static String ciRefusal(String name) {
        return "Not recording golden \"" + name + "\": CI=true, and goldens are never written on CI unless "
                + Goldens.FORCE_RECORD_PROPERTY + "=true";
    }

    static String recorded(String name, String variant, java.nio.file.Path file) {
        return "Recorded golden \"" + name + "\" (" + variant + ") to " + file;
    }

    private static String at(String index, float actual, String label, float other) {
        return "  At " + index + ": actual " + value(actual) + ", " + label + " " + value(other) + "\n";
    }

    static String value(float v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
