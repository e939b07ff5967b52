package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenInventory;
import dev.reprodiff.golden.Platform;
import dev.reprodiff.golden.RunUsage;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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

    /** Everything a mismatch message says; {@code steps} only for a trajectory. */
    record Mismatch(Origin origin, ActualTensor actual, Platform current, String goldenLocation,
                    GoldenStore.Selected selected, Tolerance tolerance, TensorComparison.Result result,
                    float[] golden, TensorComparison.Steps steps, String artifacts) {
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
                .append("\nwithin ").append(m.tolerance().rule()).append(" (").append(m.tolerance().provenance())
                .append("), but\n");
        appendStatistics(message, shape, actual, m.golden(), "golden", m.tolerance(), r);
        if (m.steps() != null) {
            int first = m.steps().firstOutOfTolerance();
            message.append(first < 0 ? "  Every step is within tolerance on its own\n"
                    : "  First step out of tolerance: step " + first + " of " + m.steps().linf().length
                    + " (counting from 0)\n");
            message.append("  L-inf by step: ").append(Arrays.stream(m.steps().linf())
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
        if (r.firstNonFinite() >= 0) {
            int i = r.firstNonFinite();
            message.append("  First non-finite mismatch at index ").append(ActualTensor.index(shape, i))
                    .append(": actual ").append(value(actual[i])).append(", ").append(label).append(' ')
                    .append(value(golden[i])).append(" (NaN or infinite elements: ").append(r.nonFiniteActual())
                    .append(" in actual, ").append(r.nonFiniteGolden()).append(" in ").append(label).append(")\n");
        }
        if (r.maxAbsIndex() < 0) {
            message.append(r.firstNonFinite() >= 0 ? "" : "  Every difference is NaN\n");
        } else if (r.maxAbs() == 0 && r.firstNonFinite() >= 0) {
            message.append("  Every finite element is equal\n");
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
        return "Not recording golden \"" + name + "\": this is CI (CI is set, and not \"false\" or \"0\"), and"
                + " goldens are never written on CI unless " + Goldens.FORCE_RECORD_PROPERTY + "=true";
    }

    static String recorded(String name, String variant, Path file) {
        return "Recorded golden \"" + name + "\" (" + variant + ") to " + file;
    }

    /** Two test invocations of one run record one variant; {@code suggestion} says how to tell them apart. */
    static String duplicate(String name, String variant, String first, String second) {
        return "Golden \"" + name + "\" (" + variant + ") is recorded twice in this run: by " + first + " and by "
                + second + "; one would overwrite the other, and the next run would fail. Give each invocation a"
                + " golden of its own, with the parameter in its name, for example matchesGolden(\"" + name
                + "-\" + parameter)";
    }

    /** As {@link #duplicate}, with this invocation's own name in the suggestion. */
    static String duplicate(Origin origin, String name, String variant, String first, String second,
                            String suggestion) {
        return origin.header() + duplicate(name, variant, first, second)
                + (suggestion == null ? "" : ", which here gives \"" + suggestion + "\"") + "\n" + origin.footer();
    }

    static String nonFiniteRefused(Origin origin, String name, ActualTensor actual, long count, long first) {
        return origin.header() + "Not recording golden \"" + name + "\": " + actual.summary() + " holds " + count
                + (count == 1 ? " NaN or infinite value" : " NaN or infinite values") + " (the first, "
                + value(actual.data()[(int) first]) + ", at index " + ActualTensor.index(actual.shape(), first)
                + "). A golden is a reference of finite values; if these are what the test expects, allow them with "
                + Goldens.ALLOW_NON_FINITE_PROPERTY + "=true\n" + origin.footer();
    }

    static String partialRun(String selection) {
        return "reprodiff: partial run (" + selection + "): unread goldens not checked";
    }

    /** Which variants in a golden folder the run did not read, and what in the folder cannot be used. */
    static String unread(GoldenInventory inventory, List<String> unread) {
        StringBuilder report = new StringBuilder();
        int total = inventory.keys().size();
        if (unread.isEmpty()) {
            report.append("reprodiff: every golden in ").append(inventory.dir()).append(" was read by this run");
        } else {
            report.append("reprodiff: ").append(unread.size()).append(" of ").append(total)
                    .append(total == 1 ? " golden" : " goldens").append(" in ").append(inventory.dir())
                    .append(" were not read by this run (obsolete if the run included every test; nothing was"
                            + " deleted):");
            unread.forEach(key -> report.append("\n  ").append(RunUsage.label(key)));
        }
        if (!inventory.orphans().isEmpty()) {
            report.append("\nreprodiff: no manifest references ").append(String.join(", ", inventory.orphans()))
                    .append(" (left by an interrupted recording; the next recording of its golden removes it)");
        }
        inventory.problems().forEach(p -> report.append("\nreprodiff: cannot use ").append(p.file()).append(": ")
                .append(p.reason()));
        return report.toString();
    }

    static String leftoversRemoved(Path dir, List<Path> files) {
        return "reprodiff: removed " + files.size() + (files.size() == 1 ? " temporary file" : " temporary files")
                + " that an interrupted recording left in " + dir + ": " + files.stream()
                .map(f -> dir.relativize(f).toString()).collect(Collectors.joining(", "));
    }

    /** A {@code publishFile} name: the golden's folders kept with {@code +} (never in a golden name), fit to 255. */
    static String attachmentName(String golden, String suffix) {
        return GoldenFiles.fitFileName(golden.replace('/', '+'), suffix);
    }

    private static String at(String index, float actual, String label, float other) {
        return "  At " + index + ": actual " + value(actual) + ", " + label + " " + value(other) + "\n";
    }

    static String value(float v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
