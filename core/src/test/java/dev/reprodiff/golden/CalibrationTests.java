package dev.reprodiff.golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CalibrationTests {

    private static final CalibrationVariation ONE_THREAD = new CalibrationVariation("threads-1", 1, true, true);
    private static final CalibrationVariation OFF = new CalibrationVariation("deterministic-off", null, true, false);

    @Test
    void proposalsRoundUpToTheLadder() {
        assertThat(Calibration.roundUpToLadder(0)).isZero();
        assertThat(Calibration.roundUpToLadder(1e-7)).isEqualTo(1e-7);
        assertThat(Calibration.roundUpToLadder(1.0000001e-7)).isEqualTo(2e-7);
        assertThat(Calibration.roundUpToLadder(2.1e-7)).isEqualTo(5e-7);
        assertThat(Calibration.roundUpToLadder(5e-7)).isEqualTo(5e-7);
        assertThat(Calibration.roundUpToLadder(5.96e-7)).isEqualTo(1e-6);
        assertThat(Calibration.roundUpToLadder(9.99e-4)).isEqualTo(1e-3);
        assertThat(Calibration.roundUpToLadder(3)).isEqualTo(5);
        assertThat(Calibration.propose(2.9802322387695312E-7, 2)).isEqualTo(1e-6);
        assertThat(Calibration.propose(0, 2)).isZero();
        assertThatThrownBy(() -> Calibration.roundUpToLadder(-1e-9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot round -1.0E-9 up to the tolerance ladder: expected a finite value >= 0");
    }

    @Test
    void variationsCoverThreadsVectorLanesAndDeterminism() {
        assertThat(CalibrationVariation.available(2)).extracting(CalibrationVariation::name)
                .containsExactly("default", "deterministic-off", "threads-1", "vector-off", "threads-2");
        assertThat(CalibrationVariation.available(16)).extracting(CalibrationVariation::name)
                .containsExactly("default", "deterministic-off", "threads-1", "vector-off", "threads-2", "threads-4",
                        "threads-8", "threads-16");
        assertThat(CalibrationVariation.plan(7, 2)).extracting(CalibrationVariation::name)
                .containsExactly("default", "deterministic-off", "threads-1", "vector-off", "threads-2", "default",
                        "deterministic-off");
        assertThat(new CalibrationVariation("vector-off", null, false, true).properties()).isEqualTo(Map.of(
                GoldenProperties.CALIBRATE_VARIATION, "vector-off", GoldenProperties.GENERATOR_SCALAR, "true",
                GoldenProperties.COMPARISON_SCALAR, "true"));
        assertThat(OFF.properties()).isEqualTo(Map.of(GoldenProperties.CALIBRATE_VARIATION, "deterministic-off",
                GoldenProperties.CALIBRATE_DETERMINISTIC, "false"));
        assertThat(ONE_THREAD.describe()).isEqualTo("1 intra-op thread");
    }

    @Test
    void aggregatesPerGoldenAndPairAndProposesTheObservedMaximumTimesTheFactor() {
        List<CalibrationObservation> observations = List.of(
                observation(1, CalibrationVariation.DEFAULT, "a", false, 1e-7, 2, "x"),
                observation(2, OFF, "a", false, 3e-7, 2, "y"),
                observation(3, ONE_THREAD, "a", false, 2e-7, 2, "z"),
                observation(1, CalibrationVariation.DEFAULT, "zero", false, 0, 1, "s"),
                observation(2, OFF, "zero", false, 0, 1, "s"));
        Calibration calibration = Calibration.aggregate(observations, List.of(CalibrationVariation.DEFAULT, OFF,
                ONE_THREAD), List.of(), 2, "2026-12-02", Map.of("libtorch", "2.7.1"), "none");

        assertThat(calibration.goldens()).extracting(Calibration.Entry::golden).containsExactly("a", "zero");
        Calibration.Entry a = calibration.goldens().get(0);
        assertThat(a.pair()).isEqualTo(ToleranceProfile.SAME_CPU_MODEL);
        assertThat(a.observations()).isEqualTo(3);
        assertThat(a.maxLinf()).isEqualTo(3e-7);
        assertThat(a.maxRelative()).isEqualTo(1.5e-7);
        assertThat(a.linf()).isEqualTo(new Calibration.Distribution(1e-7, 2e-7, 3e-7, 3e-7));
        assertThat(a.maxLinfByVariation()).containsExactly(Map.entry("default", 1e-7),
                Map.entry("deterministic-off", 3e-7), Map.entry("threads-1", 2e-7));
        assertThat(a.proposedAtol()).isEqualTo(1e-6);
        assertThat(calibration.goldens().get(1).proposedAtol()).isZero();
        assertThat(calibration.nonDeterministic()).isEmpty();
        assertThat(calibration.variations()).extracting(CalibrationVariation::name)
                .containsExactly("default", "deterministic-off", "threads-1");
    }

    @Test
    void deterministicRunsThatDifferOnOnePlatformAreAFindingWithTheFirstDifferingStep() {
        List<CalibrationObservation> observations = new ArrayList<>();
        observations.add(trajectory(1, CalibrationVariation.DEFAULT, List.of("s0", "s1", "s2")));
        observations.add(trajectory(2, OFF, List.of("s0", "other", "other")));    // switches off: not a finding
        observations.add(trajectory(3, ONE_THREAD, List.of("s0", "s1", "late")));
        Calibration calibration = Calibration.aggregate(observations, List.of(CalibrationVariation.DEFAULT, OFF,
                ONE_THREAD), List.of(), 2, "2026-12-02", Map.of(), "none");

        assertThat(calibration.nonDeterministic()).hasSize(1);
        Calibration.NonDeterministic finding = calibration.nonDeterministic().get(0);
        assertThat(finding.runs()).containsExactly(3);
        assertThat(finding.firstDifferingStep()).isEqualTo(2);
        assertThat(finding.describe()).isEqualTo("walk (T#walk) on cpu \"CPU\" (avx2, Linux amd64, libtorch 2.7.1,"
                + " DJL 0.36.0, 1 thread): run 3 (threads-1) computed other values than run 1, first at step 2 of 3");
        assertThat(calibration.goldens().get(0).proposedAtol()).isNull();
    }

    @Test
    void changesTightenAtOrBelowTheRuleAndLoosenAboveIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tolerances.json");
        Files.writeString(file, "{\"platforms\": {\"sameCpuModel\": {\"atol\": 1e-5, \"rtol\": 1.3e-6}},"
                + " \"goldens\": {\"zero\": {\"atol\": 1e-9, \"rtol\": 0}}}");
        Calibration calibration = Calibration.aggregate(List.of(
                observation(1, CalibrationVariation.DEFAULT, "a", false, 3e-7, 2, "x"),
                observation(1, CalibrationVariation.DEFAULT, "zero", false, 1e-8, 1, "y")), List.of(
                CalibrationVariation.DEFAULT), List.of(), 2, "2026-12-02", Map.of(), "none");
        List<Calibration.Change> changes = calibration.changes(ToleranceProfile.read(file));

        assertThat(changes).extracting(Calibration.Change::kind).containsExactly(Calibration.Kind.TIGHTEN,
                Calibration.Kind.LOOSEN);
        assertThat(changes.get(0).describe()).isEqualTo("a sameCpuModel: atol 1.0e-05, rtol 1.3e-06"
                + " (tolerances.json: platforms.sameCpuModel, hand-set, not calibrated) → atol 1.0e-06, rtol 0"
                + " (tighten; observed max 3.0e-07, relative 1.5e-07, over 1 observation: default 3.0e-07)");
        assertThat(changes.get(1).old().source()).isEqualTo("tolerances.json: goldens.zero");
        assertThat(changes.get(1).atol()).isEqualTo(2e-8);
    }

    @Test
    void calibrationFileRoundTrips(@TempDir Path dir) throws IOException {
        Calibration calibration = Calibration.aggregate(List.of(
                        observation(1, CalibrationVariation.DEFAULT, "a", false, 3e-7, 2, "x")),
                List.of(CalibrationVariation.DEFAULT), List.of(OFF), 2, "2026-12-02", Map.of("djl", "0.36.0"),
                "none: no CUDA device");
        Path file = dir.resolve(GoldenProperties.DEFAULT_CALIBRATION_FILE);
        calibration.write(file);
        Calibration read = Calibration.read(file);
        assertThat(read.variationsNotRun()).containsExactly("deterministic-off");
        assertThat(read.goldens().get(0).maxLinf()).isEqualTo(3e-7);
        assertThat(read.goldens().get(0).rule().source()).isEqualTo("tolerances.json: platforms.sameCpuModel");
        assertThat(read.accelerators()).isEqualTo("none: no CUDA device");
        assertThat(Files.readString(file)).contains("\"proposed_atol\" : 1.0E-6");
    }

    static Platform platform(int threads) {
        return new Platform("Linux", "amd64", "CPU", "avx2", "cpu", "CPU", null, null, "2.7.1", "0.36.0", threads,
                Map.of());
    }

    private static CalibrationObservation observation(int run, CalibrationVariation variation, String golden,
                                                      boolean deterministic, double linf, double goldenMax,
                                                      String sha) {
        GoldenResult.Subject subject = new GoldenResult.Subject("r", "", golden, "/g", "T#" + golden, null, null,
                null, deterministic, "float32", new long[] {2}, false, platform(2));
        return new CalibrationObservation(CalibrationObservation.FORMAT, run, variation, subject, "default",
                platform(2), ToleranceProfile.SAME_CPU_MODEL, linf, linf / goldenMax, null, sha, null,
                new ToleranceRule(1e-5, 1.3e-6, "tolerances.json: platforms.sameCpuModel", null), null);
    }

    private static CalibrationObservation trajectory(int run, CalibrationVariation variation, List<String> steps) {
        boolean deterministic = variation.deterministic();
        GoldenResult.Subject subject = new GoldenResult.Subject("r", "", "walk", "/g", "T#walk", null, null, null,
                deterministic, "float32", new long[] {3, 2}, true, platform(deterministic ? 1 : 2));
        return new CalibrationObservation(CalibrationObservation.FORMAT, run, variation, subject, "default",
                platform(1), ToleranceProfile.SAME_CPU_MODEL, 1e-6, 1e-6, new double[] {0, 0, 1e-6},
                String.join("", steps), steps, ToleranceRule.defaultFor("float32"), null);
    }
}
