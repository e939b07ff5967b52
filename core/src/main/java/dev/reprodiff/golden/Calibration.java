package dev.reprodiff.golden;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What {@code reprodiff:calibrate} measured, written next to the goldens ({@code calibration.json}): per golden and
 * pair of platforms, the L-infinity and relative spread its runs observed against the recorded golden, and the
 * tolerance it proposes (the largest observed times a safety factor, rounded up to the {@link #ladder}; 0 when every
 * run matched exactly); goldens whose runs under {@code @Deterministic} differed from one another on one platform are
 * findings, not tolerances.
 *
 * @param variationsNotRun variations this machine could produce that too few runs left out
 * @param accelerators which accelerators the runs compared against the CPU, or why none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Calibration(String format, String date, int runs, double safetyFactor, List<String> ladder,
                         List<CalibrationVariation> variations, List<String> variationsNotRun,
                         List<String> platforms, Map<String, String> versions, String accelerators,
                         List<Entry> goldens, List<NonDeterministic> nonDeterministic, List<String> notCompared) {

    /** The value of {@code format} in every calibration file: {@value}. */
    public static final String FORMAT = "reprodiff-calibration/1";

    /**
     * One golden on one pair of platforms.
     *
     * @param maxLinfByVariation the largest L-infinity under each variation
     * @param stepMaxLinf for a trajectory, the largest L-infinity of each step over the runs
     * @param proposedAtol the proposed tolerance (with {@code rtol} 0), or null for a non-deterministic golden
     * @param rule the profile's rule when calibration ran, and how it was set
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String golden, String pair, String dtype, String recorded, int observations,
                        double maxLinf, double maxRelative, Distribution linf,
                        Map<String, Double> maxLinfByVariation, double[] stepMaxLinf, Double proposedAtol,
                        ToleranceRule rule) {
    }

    /** The spread of the observed L-infinity over a golden's runs. */
    public record Distribution(double min, double median, double p90, double max) {

        static Distribution of(List<Double> values) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Distribution(sorted[0], quantile(sorted, 0.5), quantile(sorted, 0.9),
                    sorted[sorted.length - 1]);
        }

        /** The nearest-rank quantile: a value some run observed. */
        private static double quantile(double[] sorted, double q) {
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }
    }

    /**
     * A golden whose runs under {@code @Deterministic} on one platform computed different tensors.
     *
     * @param runs the runs whose tensors differ from the first run's
     * @param firstDifferingStep for a trajectory, the first step where they differ
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NonDeterministic(String golden, String test, String platform, int firstRun, List<Integer> runs,
                                   List<String> variations, Integer firstDifferingStep, Integer steps) {

        /** {@code ddim/latents (DdimTest#latents) on cpu "..." : run 3 differs from run 1, first at step 4 of 10}. */
        public String describe() {
            String differing = runs.stream().map(String::valueOf).collect(Collectors.joining(", "));
            return golden + " (" + test + ") on " + platform + ": run" + (runs.size() == 1 ? " " : "s ") + differing
                    + " (" + String.join(", ", variations) + ") computed other values than run " + firstRun
                    + (firstDifferingStep == null ? "" : ", first at step " + firstDifferingStep + " of " + steps);
        }
    }

    /** A change that applying the calibration makes to a tolerance profile. */
    public record Change(String golden, String pair, ToleranceRule old, double atol, Kind kind, Entry evidence) {

        /** {@code ddim/latents sameCpuModel: atol 1.0e-05, rtol 1.3e-06 → atol 5.0e-07, rtol 0 (tighten; ...)}. */
        public String describe() {
            return golden + " " + pair + ": " + old.describe() + " (" + old.source() + ", " + old.provenance()
                    + ") → " + String.format(Locale.ROOT, "atol %s, rtol 0", format(atol)) + " ("
                    + kind.name().toLowerCase(Locale.ROOT) + "; observed max "
                    + format(evidence.maxLinf()) + ", relative " + format(evidence.maxRelative()) + ", over "
                    + count(evidence.observations(), "observation") + ": " + evidence.maxLinfByVariation().entrySet().stream()
                    .map(e -> e.getKey() + " " + format(e.getValue())).collect(Collectors.joining(", ")) + ")";
        }
    }

    /** Whether a change makes a tolerance tighter, looser or leaves its bounds as they are. */
    public enum Kind {
        TIGHTEN, LOOSEN, SAME
    }

    /** The mantissas of the ladder of tolerances: 1, 2 and 5 times each power of ten. */
    private static final int[] MANTISSAS = {1, 2, 5};

    /** {@code 1e-k, 2e-k, 5e-k}, for the file's provenance. */
    static List<String> ladderDescription() {
        return List.of("1e-k", "2e-k", "5e-k");
    }

    /**
     * The smallest value of the ladder (1, 2 or 5 times a power of ten) at or above {@code value}; 0 for 0.
     *
     * @throws IllegalArgumentException for a negative or non-finite value
     */
    public static double roundUpToLadder(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Cannot round " + value + " up to the tolerance ladder: expected a"
                    + " finite value >= 0");
        }
        if (value == 0) {
            return 0;
        }
        int exponent = (int) Math.floor(Math.log10(value));
        for (int e = exponent - 1; e <= exponent + 1; e++) {
            for (int mantissa : MANTISSAS) {
                double step = Double.parseDouble(mantissa + "e" + e);
                if (step >= value) {
                    return step;
                }
            }
        }
        return Double.parseDouble("1e" + (exponent + 2));
    }

    /** The tolerance proposed for an observed maximum: {@code observed × safetyFactor}, rounded up to the ladder. */
    public static double propose(double observedMax, double safetyFactor) {
        return roundUpToLadder(observedMax * safetyFactor);
    }

    /**
     * Aggregates the observations of every run.
     *
     * @param planned the variation of each run, in order
     * @param notRun the variations too few runs left out
     */
    public static Calibration aggregate(List<CalibrationObservation> observations, List<CalibrationVariation> planned,
                                        List<CalibrationVariation> notRun, double safetyFactor, String date,
                                        Map<String, String> versions, String accelerators) {
        Set<String> platforms = new LinkedHashSet<>();
        List<String> notCompared = new ArrayList<>();
        Map<String, List<CalibrationObservation>> byGoldenAndPair = new TreeMap<>();
        for (CalibrationObservation o : observations) {
            platforms.add(o.subject().current().describe());
            if (o.message() != null || o.recorded() == null) {
                String line = o.subject().golden() + " (" + o.subject().test() + ", run " + o.run() + "): "
                        + o.message();
                if (!notCompared.contains(line)) {
                    notCompared.add(line);
                }
                continue;
            }
            platforms.add(o.recorded().describe());
            byGoldenAndPair.computeIfAbsent(o.subject().golden() + "\u0000" + o.pair(), k -> new ArrayList<>()).add(o);
        }
        List<NonDeterministic> findings = nonDeterministic(observations);
        Set<String> nonDeterministicGoldens = findings.stream().map(NonDeterministic::golden)
                .collect(Collectors.toSet());
        List<Entry> entries = new ArrayList<>();
        for (List<CalibrationObservation> group : byGoldenAndPair.values()) {
            CalibrationObservation first = group.get(0);
            double maxLinf = group.stream().mapToDouble(CalibrationObservation::linf).max().orElse(0);
            double maxRelative = group.stream().mapToDouble(CalibrationObservation::relative).max().orElse(0);
            Map<String, Double> byVariation = new LinkedHashMap<>();
            for (CalibrationObservation o : group) {
                byVariation.merge(o.variation().name(), o.linf(), Math::max);
            }
            double[] stepMax = null;
            if (first.stepLinf() != null) {
                stepMax = new double[first.stepLinf().length];
                for (CalibrationObservation o : group) {
                    for (int s = 0; s < stepMax.length && o.stepLinf() != null && s < o.stepLinf().length; s++) {
                        stepMax[s] = Math.max(stepMax[s], o.stepLinf()[s]);
                    }
                }
            }
            boolean finding = nonDeterministicGoldens.contains(first.subject().golden());
            entries.add(new Entry(first.subject().golden(), first.pair(), first.subject().dtype(),
                    first.recorded().describe(), group.size(), maxLinf, maxRelative,
                    Distribution.of(group.stream().map(CalibrationObservation::linf).toList()), byVariation, stepMax,
                    finding ? null : propose(maxLinf, safetyFactor), first.rule()));
        }
        return new Calibration(FORMAT, date, planned.size(), safetyFactor, ladderDescription(),
                planned.stream().distinct().toList(), notRun.stream().map(CalibrationVariation::name).toList(),
                List.copyOf(platforms), versions, accelerators, entries, findings, notCompared);
    }

    /**
     * The goldens whose tensors differ between runs with {@code @Deterministic}'s switches on, on platforms that are
     * the same ({@link Platform#sameAs}).
     */
    static List<NonDeterministic> nonDeterministic(List<CalibrationObservation> observations) {
        Map<String, List<CalibrationObservation>> groups = new TreeMap<>();
        for (CalibrationObservation o : observations) {
            if (o.subject().deterministic() && o.sha256() != null) {
                Platform p = o.subject().current();
                String key = o.subject().golden() + "\u0000" + Objects.toString(o.subject().invocation(), "")
                        + "\u0000" + String.join("|", p.os(), p.arch(), p.cpuModel(), String.valueOf(p.cpuCapability()),
                        p.deviceType(), p.deviceName(), p.libtorchVersion(), p.djlVersion(),
                        Integer.toString(p.threads()));
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(o);
            }
        }
        List<NonDeterministic> findings = new ArrayList<>();
        for (List<CalibrationObservation> group : groups.values()) {
            group.sort(Comparator.comparingInt(CalibrationObservation::run));
            CalibrationObservation reference = group.get(0);
            List<Integer> runs = new ArrayList<>();
            Set<String> variations = new LinkedHashSet<>();
            Integer firstStep = null;
            for (CalibrationObservation o : group.subList(1, group.size())) {
                if (o.sha256().equals(reference.sha256())) {
                    continue;
                }
                runs.add(o.run());
                variations.add(o.variation().name());
                Integer step = firstDifferingStep(reference.stepSha256(), o.stepSha256());
                if (step != null && (firstStep == null || step < firstStep)) {
                    firstStep = step;
                }
            }
            if (!runs.isEmpty()) {
                findings.add(new NonDeterministic(reference.subject().golden(), reference.subject().test(),
                        reference.subject().current().describe(), reference.run(), runs, List.copyOf(variations),
                        firstStep, reference.stepSha256() == null ? null : reference.stepSha256().size()));
            }
        }
        return findings;
    }

    private static Integer firstDifferingStep(List<String> a, List<String> b) {
        if (a == null || b == null) {
            return null;
        }
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return i;
            }
        }
        return a.size() == b.size() ? null : Math.min(a.size(), b.size());
    }

    /**
     * The changes that applying this calibration makes to {@code profile}: one per golden and pair with a proposal.
     * A proposal tightens when its {@code atol} is at most the rule's (its {@code rtol} is 0), else it loosens.
     */
    public List<Change> changes(ToleranceProfile profile) {
        List<Change> changes = new ArrayList<>();
        for (Entry entry : goldens) {
            if (entry.proposedAtol() == null) {
                continue;
            }
            ToleranceRule old = profile.resolve(entry.golden(), entry.pair(), entry.dtype());
            double atol = entry.proposedAtol();
            Kind kind = atol == old.atol() && old.rtol() == 0 ? Kind.SAME
                    : atol <= old.atol() ? Kind.TIGHTEN : Kind.LOOSEN;
            changes.add(new Change(entry.golden(), entry.pair(), old, atol, kind, entry));
        }
        return changes;
    }

    /** The rule's evidence, as {@code tolerances.json} keeps it. */
    public ToleranceRule.Calibrated evidence(Entry entry) {
        return new ToleranceRule.Calibrated(entry.maxLinf(), runs, date);
    }

    /** Reads a calibration file; empty-handed ({@code null}) when it is of another format. */
    public static Calibration read(Path file) throws IOException {
        Calibration calibration = GoldenFiles.JSON.readValue(file.toFile(), Calibration.class);
        return calibration != null && FORMAT.equals(calibration.format()) ? calibration : null;
    }

    /** Writes the file atomically ({@link GoldenFiles#writeAtomically}). */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        GoldenFiles.writeAtomically(file, GoldenFiles.JSON.writeValueAsBytes(this));
    }

    /** {@code 1 run}, {@code 3 runs}. */
    public static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** {@code 1.7e-06}, {@code 0}. */
    public static String format(double value) {
        return value == 0 ? "0" : String.format(Locale.ROOT, "%.1e", value);
    }
}
