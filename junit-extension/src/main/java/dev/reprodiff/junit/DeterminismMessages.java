package dev.reprodiff.junit;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Messages of {@link DeterministicExtension}. */
final class DeterminismMessages {

    private DeterminismMessages() {
    }

    static String badAttributes(Deterministic deterministic) {
        return "@Deterministic(threads = " + deterministic.threads() + ", repeat = " + deterministic.repeat()
                + ") is invalid: threads and repeat must be at least 1";
    }

    static String nothingCaptured(GoldenMessages.Origin origin, int runs) {
        return origin.header() + "@Deterministic(repeat = " + runs + ") compares the outputs of each run, but the"
                + " first run captured none; pass them through Golden.verify, Golden.capture or"
                + " assertThatTensor(...).matchesGolden\n" + footer(origin);
    }

    static String notIdentical(GoldenMessages.Origin origin, int runs, String difference) {
        return origin.header() + "@Deterministic(repeat = " + runs + ") expects identical outputs, but\n"
                + difference + "\n" + footer(origin);
    }

    /** How run {@code run} differs from run 1, if it does. */
    static Optional<String> difference(List<GoldenSession.Captured> first, List<GoldenSession.Captured> again,
                                       int run) {
        List<String> firstNames = names(first);
        List<String> againNames = names(again);
        if (!firstNames.equals(againNames)) {
            return Optional.of("  run 1 captured " + firstNames + ", run " + run + " captured " + againNames);
        }
        for (int i = 0; i < first.size(); i++) {
            ActualTensor a = first.get(i).tensor();
            ActualTensor b = again.get(i).tensor();
            String name = "\"" + first.get(i).name() + "\"";
            if (!a.summary().equals(b.summary())) {
                return Optional.of("  " + name + " is " + a.summary() + " in run 1 but " + b.summary() + " in run "
                        + run);
            }
            int at = TensorComparison.firstBitDifference(a.data(), b.data());
            if (at >= 0) {
                TensorComparison.Result r = TensorComparison.compare(b.data(), a.data(), 0, 0);
                int worst = r.maxAbsIndex() < 0 ? at : r.maxAbsIndex();
                return Optional.of(String.format(Locale.ROOT,
                        "  %s %s differs between run 1 and run %d: %d / %d elements (%.1f%%), L-inf %.2e at index"
                                + " %s: run 1 %s, run %d %s", name, a.summary(), run, r.mismatched(), r.total(),
                        100.0 * r.mismatched() / r.total(), r.maxAbs(), ActualTensor.index(a.shape(), worst),
                        GoldenMessages.value(a.data()[worst]), run, GoldenMessages.value(b.data()[worst])));
            }
        }
        return Optional.empty();
    }

    private static List<String> names(List<GoldenSession.Captured> captured) {
        return captured.stream().map(GoldenSession.Captured::name).collect(Collectors.toList());
    }

    private static String footer(GoldenMessages.Origin origin) {
        return (origin.seeds() == null ? "" : "Seeds: " + origin.seeds() + "\n") + "Replay: " + origin.replay();
    }
}
