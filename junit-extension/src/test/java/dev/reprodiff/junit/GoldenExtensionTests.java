package dev.reprodiff.junit;

import dev.reprodiff.golden.CalibrationObservation;
import dev.reprodiff.golden.CalibrationVariation;
import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.Platform;
import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.io.SafeTensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.reprodiff.junit.TestKit.MVN_TEST;
import static dev.reprodiff.junit.ReproAssertions.assertThatTensor;
import static dev.reprodiff.junit.ReproAssertions.assertThatTrajectory;
import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static dev.reprodiff.junit.TestKit.onlyFailure;
import static dev.reprodiff.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class GoldenExtensionTests {

    /** What the fixtures compare; set before each run. */
    static volatile float[] values = {1, 2, 3, 4};

    @TempDir
    Path goldens;

    @TempDir
    Path artifacts;

    @BeforeEach
    void resetValues() {
        values = new float[] {1, 2, 3, 4};
    }

    private String[] config(String... more) {
        // test="": the run counts as complete, also when this module's own tests run with -Dtest=...
        List<String> all = new ArrayList<>(List.of("reprodiff.golden.dir", goldens.toString(),
                "reprodiff.artifacts.dir", artifacts.toString(), "reprodiff.ci", "false", "test", ""));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private EngineExecutionResults run(Class<?> testCase, String... more) {
        return execute(testCase, config(more));
    }

    private void record(Class<?> testCase, String... more) {
        List<String> all = new ArrayList<>(List.of(more));
        all.addAll(List.of("reprodiff.golden.mode", "record"));
        assertAllSucceeded(run(testCase, all.toArray(new String[0])), 1);
    }

    private static String platform() {
        return Platform.current("cpu", 0).describe();
    }

    /** The tensor file the manifest of golden {@code name} references for {@code variant}. */
    private Path tensorFile(String name, String variant) {
        return goldens.resolve(new GoldenStore(goldens).readManifest(name).orElseThrow().variants.get(variant).file());
    }

    private Path tensorFile(String name) {
        return tensorFile(name, "default");
    }

    private List<String> filesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Goldens
    static class TwoByTwoTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("two-by-two", values, 2, 2);
        }
    }

    @Goldens
    static class SettingsTestCase {
        @Test
        void compare(Golden golden) {
            golden.setting("num_inference_steps", 2);
            assertThatTensor(values, 2, 2).withSetting("eta", 0.0).matchesGolden("two-by-two");
        }
    }

    @Goldens
    static class AssertJTestCase {
        @Test
        void compare() {
            assertThatTensor(values, 2, 2).as("tiny tensor").matchesGolden("two-by-two");
        }
    }

    // ---- record and verify

    @Test
    void recordAGoldenAndItsManifest() throws IOException {
        EngineExecutionResults results = run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record");
        assertAllSucceeded(results, 1);
        GoldenManifest manifest = new GoldenStore(goldens).readManifest("two-by-two").orElseThrow();
        GoldenManifest.Variant variant = manifest.variants.get("default");
        Path file = goldens.resolve(variant.file());
        assertThat(SafeTensors.readFloats(file, "golden")).containsExactly(1, 2, 3, 4);
        assertThat(variant.sha256()).isEqualTo(GoldenFiles.sha256(file));
        assertThat(variant.file()).isEqualTo("two-by-two." + variant.sha256().substring(0, 16) + ".safetensors");
        assertThat(variant.crc32c()).isEqualTo(GoldenFiles.digests(file).crc32c()).hasSize(8);
        assertThat(variant.shape()).containsExactly(2, 2);
        assertThat(variant.dtype()).isEqualTo("float32");
        assertThat(variant.test()).isEqualTo("dev.reprodiff.junit.GoldenExtensionTests$TwoByTwoTestCase#compare");
        assertThat(variant.platform().sameAs(Platform.current("cpu", 0))).isTrue();
        assertThat(variant.platform().determinism()).containsKey("deterministic_algorithms");
        assertThat(reportEntries(results)).containsExactly(Map.of("reprodiff.golden.two-by-two",
                "Recorded golden \"two-by-two\" (default) to " + file));
        assertThat(filesIn(goldens)).containsExactlyInAnyOrder(".reprodiff.lock", "two-by-two.json",
                file.getFileName().toString());
    }

    @Test
    void recordPipelineSettingsAsProvenance() {
        record(SettingsTestCase.class);
        assertThat(new GoldenStore(goldens).readManifest("two-by-two").orElseThrow().variants.get("default")
                .settings()).containsExactly(Map.entry("eta", "0.0"), Map.entry("num_inference_steps", "2"));
    }

    @Test
    void verifyAMatchingTensor() {
        record(TwoByTwoTestCase.class);
        EngineExecutionResults results = run(AssertJTestCase.class);
        assertAllSucceeded(results, 1);
        assertThat(reportEntries(results)).containsExactly(Map.of("reprodiff.golden.two-by-two",
                "default within |actual - golden| <= 1.0e-05 + 1.3e-06 * |golden|"
                        + " (torch.testing.assert_close's default for float32)"));
    }

    @Test
    void reportAMismatchInFull() {
        record(TwoByTwoTestCase.class);
        values = new float[] {1, 2, 3, 4.5f};
        Throwable failure = onlyFailure(run(AssertJTestCase.class));
        Path file = tensorFile("two-by-two");
        assertThat(failure).isInstanceOf(AssertionFailedError.class).hasMessage("[tiny tensor]\n"
                + "Expecting actual:\n"
                + "  float32[2, 2]\n"
                + "  computed on " + platform() + "\n"
                + "to match golden:\n"
                + "  " + file + "#golden  float32[2, 2]\n"
                + "  (the default golden; no golden for this device \"" + Platform.current("cpu", 0).deviceKey()
                + "\" or device type \"cpu\")\n"
                + "  recorded on " + platform() + "\n"
                + "within |actual - golden| <= 1.0e-05 + 1.3e-06 * |golden|"
                + " (torch.testing.assert_close's default for float32; not calibrated), but\n"
                + "  Mismatched elements: 1 / 4 (25.0%)\n"
                + "  Greatest absolute difference: 5.00e-01 at index (1, 1) (up to 1.52e-05 allowed)\n"
                + "  Greatest relative difference: 1.25e-01 at index (1, 1) (up to 1.30e-06 allowed)\n"
                + "  At (1, 1): actual 4.50000, golden 4.00000\n"
                + "  Cosine distance: 1.70e-03\n"
                + "Replay: " + MVN_TEST + " -Dtest='GoldenExtensionTests$AssertJTestCase#compare'\n"
                + "Record: " + MVN_TEST + " -Dtest='GoldenExtensionTests$AssertJTestCase#compare'"
                + " -Dreprodiff.golden.mode=record\n"
                + "Artifacts: " + artifacts.resolve("GoldenExtensionTests$AssertJTestCase/compare/two-by-two"
                + ".actual.safetensors"));
        AssertionFailedError error = (AssertionFailedError) failure;
        assertThat(error.getExpected().getStringRepresentation()).isEqualTo("float32[2, 2] with 4.00000 at (1, 1)");
        assertThat(error.getActual().getStringRepresentation()).isEqualTo("float32[2, 2] with 4.50000 at (1, 1)");
    }

    @Test
    void failOnAMissingGoldenAndSayHowToRecordIt() {
        assertThat(onlyFailure(run(TwoByTwoTestCase.class))).isInstanceOf(AssertionFailedError.class).hasMessage(
                "[GoldenExtensionTests$TwoByTwoTestCase#compare]\n"
                        + "No golden \"two-by-two\" for this platform: " + goldens.resolve("two-by-two.json")
                        + " does not exist.\n"
                        + "Record it: " + MVN_TEST + " -Dtest='GoldenExtensionTests$TwoByTwoTestCase#compare'"
                        + " -Dreprodiff.golden.mode=record-missing");
    }

    @Test
    void failOnAShapeMismatchFirst() {
        record(TwoByTwoTestCase.class);
        assertThat(onlyFailure(run(FlatTestCase.class))).hasMessage(
                "[GoldenExtensionTests$FlatTestCase#compare]\n"
                        + "Expecting actual:\n"
                        + "  float32[4]\n"
                        + "to have the shape of golden:\n"
                        + "  " + tensorFile("two-by-two") + "#golden  float32[2, 2]\n"
                        + "but the shapes differ.\n"
                        + "Replay: " + MVN_TEST + " -Dtest='GoldenExtensionTests$FlatTestCase#compare'\n"
                        + "Record: " + MVN_TEST + " -Dtest='GoldenExtensionTests$FlatTestCase#compare'"
                        + " -Dreprodiff.golden.mode=record");
    }

    @Goldens
    static class FlatTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("two-by-two", values, 4);
        }
    }

    // ---- modes

    @Test
    void overwriteOnlyWhenRecording() throws IOException {
        record(TwoByTwoTestCase.class);
        Path first = tensorFile("two-by-two");
        values = new float[] {5, 6, 7, 8};
        assertThat(onlyFailure(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record-missing")))
                .hasMessageContaining("Mismatched elements: 4 / 4 (100.0%)");
        assertThat(SafeTensors.readFloats(tensorFile("two-by-two"), "golden")).containsExactly(1, 2, 3, 4);
        record(TwoByTwoTestCase.class);
        assertThat(SafeTensors.readFloats(tensorFile("two-by-two"), "golden")).containsExactly(5, 6, 7, 8);
        assertThat(first).as("the replaced tensor file, removed after the manifest moved on").doesNotExist();
        assertThat(filesIn(goldens)).containsExactlyInAnyOrder(".reprodiff.lock", "two-by-two.json",
                tensorFile("two-by-two").getFileName().toString());
    }

    @Test
    void recordMissingGoldens() {
        assertAllSucceeded(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record-missing"), 1);
        assertAllSucceeded(run(TwoByTwoTestCase.class), 1);
    }

    @Test
    void neverWriteOnCiUnlessForced() {
        assertThat(onlyFailure(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record", "reprodiff.ci",
                "true"))).hasMessage("[GoldenExtensionTests$TwoByTwoTestCase#compare]\n"
                + "Not recording golden \"two-by-two\": this is CI (CI is set, and not \"false\" or \"0\"), and goldens"
                + " are never written on CI unless reprodiff.golden.forceRecord=true");
        assertThat(onlyFailure(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record-missing",
                "reprodiff.ci", "true"))).hasMessage("[GoldenExtensionTests$TwoByTwoTestCase#compare]\n"
                + "No golden \"two-by-two\" for this platform: " + goldens.resolve("two-by-two.json")
                + " does not exist.\n"
                + "Not recording golden \"two-by-two\": this is CI (CI is set, and not \"false\" or \"0\"), and goldens"
                + " are never written on CI unless reprodiff.golden.forceRecord=true.\n"
                + "Record it: " + MVN_TEST + " -Dtest='GoldenExtensionTests$TwoByTwoTestCase#compare'"
                + " -Dreprodiff.golden.mode=record-missing");
        assertThat(goldens).isEmptyDirectory();
        assertAllSucceeded(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record", "reprodiff.ci", "true",
                "reprodiff.golden.forceRecord", "true"), 1);
        assertThat(tensorFile("two-by-two")).exists();
    }

    @Test
    void rejectAnUnknownMode() {
        assertThat(onlyFailure(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "overwrite"))).hasMessage(
                "Invalid reprodiff.golden.mode \"overwrite\"; expected one of verify, record, record-missing, calibrate");
    }

    // ---- corrupt goldens: a clear error, nothing overwritten

    @Test
    void refuseAnEditedGolden() throws IOException {
        record(TwoByTwoTestCase.class);
        Path file = tensorFile("two-by-two");
        byte[] bytes = Files.readAllBytes(file);
        byte[] truncated = bytes.clone();
        truncated[bytes.length - 1] ^= 1;   // the last element's lowest mantissa bit
        Files.write(file, truncated);
        String crc = GoldenFiles.digests(file).crc32c();
        String recorded = new GoldenStore(goldens).readManifest("two-by-two").orElseThrow().variants
                .get("default").crc32c();
        for (String mode : List.of("verify", "record-missing")) {
            assertThat(onlyFailure(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", mode))).hasMessage(
                    "Golden \"two-by-two\" is corrupt: " + file + " has CRC32C " + crc + ", but its manifest "
                            + goldens.resolve("two-by-two.json") + " recorded " + recorded
                            + " (a truncated or edited file, or an interrupted recording)");
            assertThat(Files.readAllBytes(file)).isEqualTo(truncated);
        }
    }

    @Test
    void refuseACorruptManifest() throws IOException {
        record(TwoByTwoTestCase.class);
        Path manifest = goldens.resolve("two-by-two.json");
        Files.writeString(manifest, "{\"variants\": {");
        assertThat(onlyFailure(run(TwoByTwoTestCase.class))).hasMessageStartingWith("Corrupt golden manifest "
                + manifest + " at line 1, column 15: Unexpected end-of-input");
        assertThat(manifest).hasContent("{\"variants\": {");
        assertThat(onlyFailure(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record-missing")))
                .hasMessageStartingWith("Corrupt golden manifest ");
        assertThat(manifest).hasContent("{\"variants\": {");
        record(TwoByTwoTestCase.class);
        assertAllSucceeded(run(TwoByTwoTestCase.class), 1);
    }

    @Test
    void refuseAGoldenWhoseShapeIsNotItsManifests() throws IOException {
        record(TwoByTwoTestCase.class);
        Path file = tensorFile("two-by-two");
        SafeTensors.saveFloats(file, Map.of("golden", dev.reprodiff.io.FloatTensor.of(1, 2, 3, 4)), Map.of());
        Path manifest = goldens.resolve("two-by-two.json");
        String json = Files.readString(manifest);
        String oldSha = new GoldenStore(goldens).readManifest("two-by-two").orElseThrow().variants.get("default")
                .sha256();
        String oldCrc = new GoldenStore(goldens).readManifest("two-by-two").orElseThrow().variants.get("default")
                .crc32c();
        Files.writeString(manifest, json.replace(oldSha, GoldenFiles.sha256(file)).replace(oldCrc,
                GoldenFiles.digests(file).crc32c()));
        assertThat(onlyFailure(run(TwoByTwoTestCase.class))).hasMessage("Golden file " + file
                + " holds golden of shape [4], but its manifest recorded [2, 2]");
    }

    @Test
    void leaveNoTemporaryFilesWhenAWriteFails() throws IOException {
        Path blocked = Files.createDirectories(goldens.resolve("two-by-two.json"));
        Files.writeString(blocked.resolve("keep"), "a directory where the manifest goes");
        assertThat(onlyFailure(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "record")))
                .hasMessage("Failed to close extension context").cause()
                .hasMessageStartingWith("Cannot record golden \"two-by-two\" in " + goldens + ": ");
        assertThat(filesIn(goldens)).containsExactly(".reprodiff.lock", "two-by-two.json");
    }

    // ---- per-platform variants and tolerances

    @Test
    void preferTheDeviceTypesGoldenOverTheDefault() {
        record(TwoByTwoTestCase.class);
        values = new float[] {5, 6, 7, 8};
        record(TwoByTwoTestCase.class, "reprodiff.golden.recordAs", "device-type");
        EngineExecutionResults results = run(TwoByTwoTestCase.class);
        assertAllSucceeded(results, 1);
        assertThat(reportEntries(results).get(0).get("reprodiff.golden.two-by-two")).startsWith("cpu within");
        values = new float[] {9, 9, 9, 9};
        record(TwoByTwoTestCase.class, "reprodiff.golden.recordAs", "device");
        assertThat(reportEntries(run(TwoByTwoTestCase.class)).get(0).get("reprodiff.golden.two-by-two"))
                .startsWith(Platform.current("cpu", 0).deviceKey() + " within");
        assertThat(tensorFile("two-by-two", "cpu").getFileName().toString()).matches(
                "two-by-two@cpu\\.[0-9a-f]{16}\\.safetensors");
    }

    @Test
    void takeTolerancesPerGoldenFromTolerancesJson() throws IOException {
        record(TwoByTwoTestCase.class);
        values = new float[] {1, 2, 3, 4.001f};
        assertThat(onlyFailure(run(TwoByTwoTestCase.class))).hasMessageContaining("Mismatched elements: 1 / 4");
        Files.writeString(goldens.resolve("tolerances.json"), "{\"goldens\": {\"two-by-two\": {\"atol\": 2e-3,"
                + " \"rtol\": 0}}}");
        EngineExecutionResults results = run(TwoByTwoTestCase.class);
        assertAllSucceeded(results, 1);
        assertThat(reportEntries(results)).containsExactly(Map.of("reprodiff.golden.two-by-two",
                "default within |actual - golden| <= 2.0e-03 + 0.0e+00 * |golden| (tolerances.json:"
                        + " goldens.two-by-two)"));
    }

    @Test
    void takeTolerancesPerPairOfPlatformsFromTolerancesJson() throws IOException {
        record(TwoByTwoTestCase.class);
        Path manifest = goldens.resolve("two-by-two.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"cpu_model\" : \""
                + Platform.current("cpu", 0).cpuModel() + "\"", "\"cpu_model\" : \"Another CPU\""));
        Files.writeString(goldens.resolve("tolerances.json"), "{\"platforms\": {\"otherCpu\": {\"atol\": 1e-2,"
                + " \"rtol\": 0}, \"sameCpuModel\": {\"atol\": 0, \"rtol\": 0}}}");
        values = new float[] {1, 2, 3, 4.001f};
        EngineExecutionResults results = run(TwoByTwoTestCase.class);
        assertAllSucceeded(results, 1);
        assertThat(reportEntries(results).get(0).get("reprodiff.golden.two-by-two"))
                .endsWith("(tolerances.json: platforms.otherCpu)");
    }

    // ---- calibration

    @Test
    void measureInsteadOfFailingInACalibrationRun() throws IOException {
        values = new float[] {1, 2, 3, 4, 5, 6};
        record(TrajectoryTestCase.class);
        Map<Path, String> recorded = digests(goldens);
        values = new float[] {1, 2, 3, 4.001f, 5, 6};
        assertAllSucceeded(run(TrajectoryTestCase.class, "reprodiff.golden.mode", "calibrate",
                "reprodiff.calibrate.run", "2", "reprodiff.calibrate.variation", "threads-2",
                "reprodiff.calibrate.threads", "2"), 1);
        List<CalibrationObservation> observations = CalibrationObservation.readAll(artifacts);
        assertThat(observations).hasSize(1);
        CalibrationObservation o = observations.get(0);
        assertThat(o.run()).isEqualTo(2);
        assertThat(o.variation()).isEqualTo(new CalibrationVariation("threads-2", 2, true, true));
        assertThat(o.subject().current().threads()).as("the run's thread count, set for the test").isEqualTo(2);
        assertThat(o.pair()).isEqualTo("sameCpuModel");
        assertThat(o.linf()).isEqualTo((double) 4.001f - 4.0);
        assertThat(o.relative()).isEqualTo(((double) 4.001f - 4.0) / 6);
        assertThat(o.stepLinf()).containsExactly(0, (double) 4.001f - 4.0, 0);
        assertThat(o.stepSha256()).hasSize(3);
        assertThat(o.rule().source()).isEqualTo("torch.testing.assert_close's default for float32");
        assertThat(o.file(artifacts)).isEqualTo(artifacts.resolve("calibration/run-2/GoldenExtensionTests$TrajectoryTestCase/compare/"
                + "trajectory.json"));
        // Nothing written to the goldens.
        assertThat(digests(goldens)).isEqualTo(recorded);
    }

    private static Map<Path, String> digests(Path dir) throws IOException {
        Map<Path, String> digests = new java.util.TreeMap<>();
        for (Path file : GoldenFiles.regularFiles(dir)) {
            digests.put(file, GoldenFiles.sha256(file));
        }
        return digests;
    }

    @Test
    void observeAMissingGoldenWithoutFailing() throws IOException {
        assertAllSucceeded(run(TwoByTwoTestCase.class, "reprodiff.golden.mode", "calibrate"), 1);
        CalibrationObservation o = CalibrationObservation.readAll(artifacts).get(0);
        assertThat(o.run()).isEqualTo(1);
        assertThat(o.variation()).isEqualTo(CalibrationVariation.DEFAULT);
        assertThat(o.message()).isEqualTo(goldens.resolve("two-by-two.json") + " does not exist");
    }

    @Test
    void sayThatATolerancesIsCalibratedAndWithWhatEvidence() throws IOException {
        record(TwoByTwoTestCase.class);
        Files.writeString(goldens.resolve("tolerances.json"), "{\"goldens\": {\"two-by-two\": {\"sameCpuModel\":"
                + " {\"atol\": 5e-4, \"rtol\": 0, \"calibrated\": {\"observedMax\": 1.2e-4, \"runs\": 5,"
                + " \"date\": \"2026-12-02\"}}}}}");
        values = new float[] {1, 2, 3, 4.001f};
        assertThat(onlyFailure(run(TwoByTwoTestCase.class))).hasMessageContaining(
                "within |actual - golden| <= 5.0e-04 + 0.0e+00 * |golden| (tolerances.json:"
                        + " goldens.two-by-two.sameCpuModel; calibrated: observed max 1.2e-04 over 5 runs on"
                        + " 2026-12-02), but\n");
    }

    @Test
    void switchDeterministicOffInTheCalibrationRunThatAsksForIt() throws IOException {
        record(DeterministicTestCase.class);
        assertAllSucceeded(run(DeterministicTestCase.class, "reprodiff.golden.mode", "calibrate",
                "reprodiff.calibrate.variation", "deterministic-off", "reprodiff.calibrate.deterministic", "false"), 1);
        CalibrationObservation o = CalibrationObservation.readAll(artifacts).get(0);
        assertThat(o.subject().deterministic()).isFalse();
        assertThat(o.subject().current().determinism()).containsEntry("deterministic_algorithms", false);
        assertThat(o.linf()).isZero();
    }

    @Deterministic
    static class DeterministicTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("two-by-two", values, 2, 2);
        }
    }

    @Test
    void requireExactEqualityForADeterministicTestOnTheRecordingPlatform() {
        record(DeterministicTestCase.class);
        values = new float[] {1, 2, 3, Math.nextUp(4f)};
        assertAllSucceeded(run(TwoByTwoTestCase.class), 1);
        assertThat(onlyFailure(run(DeterministicTestCase.class))).hasMessageContaining(
                "within |actual - golden| = 0 (exact: a @Deterministic test on the platform the golden was recorded"
                        + " on), but\n  Mismatched elements: 1 / 4 (25.0%)\n"
                        + "  Greatest absolute difference: 4.77e-07 at index (1, 1) (up to 0.00e+00 allowed)");
    }

    // ---- trajectories

    @Goldens
    static class TrajectoryTestCase {
        @Test
        void compare() {
            assertThatTrajectory(values, 3, 2).matchesGolden("trajectory");
        }
    }

    @Test
    void nameTheFirstDivergingStep() {
        values = new float[] {1, 2, 3, 4, 5, 6};
        record(TrajectoryTestCase.class);
        values = new float[] {1, 2, 3, 4.5f, 5, 7};
        assertThat(onlyFailure(run(TrajectoryTestCase.class))).hasMessageContaining(
                "  Mismatched elements: 2 / 6 (33.3%)\n"
                        + "  Greatest absolute difference: 1.00e+00 at index (2, 1) (up to 1.78e-05 allowed)\n"
                        + "  Greatest relative difference: 1.67e-01 at index (2, 1) (up to 1.30e-06 allowed)\n"
                        + "  At (2, 1): actual 7.00000, golden 6.00000\n"
                        + "  Cosine distance: 2.53e-03\n"
                        + "  First step out of tolerance: step 1 of 3 (counting from 0)\n"
                        + "  L-inf by step: 0.00e+00, 5.00e-01, 1.00e+00\n");
    }

    @Goldens
    static class LargeTrajectoryTestCase {
        @Test
        void compare() {
            assertThatTrajectory(values, 3, 50_000).matchesGolden("large-trajectory");
        }
    }

    /** 600 KB: the golden file is read in several chunks, which straddle its steps. */
    @Test
    void streamALargeGoldenOnceAndNameTheStepThatLeftTolerance() throws IOException {
        values = new float[150_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i);
        }
        record(LargeTrajectoryTestCase.class);
        assertAllSucceeded(run(LargeTrajectoryTestCase.class), 1);
        values[120_000] += 0.25f;
        assertThat(onlyFailure(run(LargeTrajectoryTestCase.class))).hasMessageContaining(
                "  Mismatched elements: 1 / 150000 (0.0%)\n").hasMessageContaining(
                "  First step out of tolerance: step 2 of 3 (counting from 0)\n"
                        + "  L-inf by step: 0.00e+00, 0.00e+00, 2.50e-01\n");
        GoldenResult result = GoldenResult.read(artifacts.resolve(
                "results/GoldenExtensionTests$LargeTrajectoryTestCase/compare/large-trajectory.json"));
        assertThat(result.comparison().firstStepOutOfTolerance()).isEqualTo(2);
        assertThat(result.comparison().stepLinf()).hasSize(3);
    }

    // ---- artifacts

    @Goldens
    static class ImageTestCase {
        @Test
        void compare() {
            assertThatTensor(values, 1, 3, 4, 4).matchesGolden("images/rgb");
        }
    }

    @Test
    void leaveTheActualTensorAndPngsOfImages() throws IOException {
        values = new float[48];
        record(ImageTestCase.class);
        values = new float[48];
        values[5] = 1;
        EngineExecutionResults results = TestKit.executeWithOutputs(ImageTestCase.class,
                artifacts.resolve("junit"), config());
        onlyFailure(results);
        assertThat(results.allEvents().stream().filter(e -> e.getType()
                == org.junit.platform.testkit.engine.EventType.FILE_ENTRY_PUBLISHED)
                .map(e -> e.getRequiredPayload(org.junit.platform.engine.reporting.FileEntry.class).getPath()
                        .getFileName().toString())).containsExactlyInAnyOrder("images+rgb.actual.safetensors",
                "images+rgb.expected.png", "images+rgb.actual.png", "images+rgb.difference.png");
        Path folder = artifacts.resolve("GoldenExtensionTests$ImageTestCase/compare/images");
        assertThat(SafeTensors.readFloats(folder.resolve("rgb.actual.safetensors"), "actual")).isEqualTo(values);
        for (String png : List.of("rgb.expected.png", "rgb.actual.png", "rgb.difference.png")) {
            assertThat(javax.imageio.ImageIO.read(folder.resolve(png).toFile()).getWidth()).isEqualTo(4);
        }
    }

    @Goldens
    static class PictureTestCase {
        @Test
        void compare() {
            assertThatTensor(values, 1, 2, 4, 3).matchesGolden("images/picture");
        }
    }

    @Test
    void drawNhwcPicturesAndTheirDifferenceOnTheAbsoluteScale() throws IOException {
        values = new float[24];
        record(PictureTestCase.class);
        values = new float[24];
        values[(1 * 4 + 2) * 3 + 1] = 1e-3f;   // pixel (y 1, x 2), green
        onlyFailure(run(PictureTestCase.class));
        Path folder = artifacts.resolve("GoldenExtensionTests$PictureTestCase/compare/images");
        java.awt.image.BufferedImage difference = javax.imageio.ImageIO.read(folder.resolve("picture.difference.png")
                .toFile());
        assertThat(difference.getWidth()).isEqualTo(4);
        assertThat(difference.getHeight()).isEqualTo(2);
        assertThat(difference.getRGB(2, 1) & 0xffffff).isEqualTo(dev.reprodiff.golden.DifferenceScale.rgb(
                (double) 1e-3f));
        assertThat(difference.getRGB(0, 0) & 0xffffff).isZero();
        java.awt.image.BufferedImage actual = javax.imageio.ImageIO.read(folder.resolve("picture.actual.png").toFile());
        assertThat(actual.getRGB(2, 1) & 0xffffff).isEqualTo(0x00ff00);
    }

    // ---- unread goldens

    @Test
    void listGoldensThatNoTestRead() throws IOException {
        record(TwoByTwoTestCase.class);
        values = new float[48];
        record(ImageTestCase.class);
        Files.deleteIfExists(artifacts.resolve("unread-goldens.txt"));
        assertAllSucceeded(run(ImageTestCase.class), 1);
        assertThat(artifacts.resolve("unread-goldens.txt")).hasContent("reprodiff: 1 of 2 goldens in " + goldens
                + " were not read by this run (obsolete if the run included every test; nothing was deleted):\n"
                + "  two-by-two (default)");
    }

    @Test
    void mergeWhatTheForksOfOneRunRead() throws IOException {
        record(TwoByTwoTestCase.class);
        values = new float[48];
        record(ImageTestCase.class);
        assertAllSucceeded(run(ImageTestCase.class, "reprodiff.run.id", "forks"), 1);
        assertThat(artifacts.resolve("unread-goldens.txt")).content().startsWith("reprodiff: 1 of 2 goldens");
        values = new float[] {1, 2, 3, 4};
        assertAllSucceeded(run(TwoByTwoTestCase.class, "reprodiff.run.id", "forks"), 1);
        assertThat(artifacts.resolve("unread-goldens.txt")).hasContent("reprodiff: every golden in " + goldens
                + " was read by this run");
    }

    @Test
    void sayOnlyThatAPartialRunWasNotChecked() throws IOException {
        record(TwoByTwoTestCase.class);
        values = new float[48];
        record(ImageTestCase.class);
        assertAllSucceeded(run(ImageTestCase.class, "test", "GoldenExtensionTests$ImageTestCase"), 1);
        assertThat(artifacts.resolve("unread-goldens.txt")).hasContent("reprodiff: partial run"
                + " (-Dtest=GoldenExtensionTests$ImageTestCase): unread goldens not checked");
    }

    // ---- parallel recording

    @Goldens
    static class ParallelTestCase {
        @RepeatedTest(24)
        void record(Golden golden, org.junit.jupiter.api.RepetitionInfo repetition) {
            int i = repetition.getCurrentRepetition();
            golden.verify("parallel/g" + i, new float[] {i, i + 1}, 2);
        }
    }

    @Test
    void recordDifferentGoldensInParallelSafely() throws IOException {
        String[] parallel = {"junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent"};
        List<String> recording = new ArrayList<>(List.of(parallel));
        recording.addAll(List.of("reprodiff.golden.mode", "record"));
        assertAllSucceeded(run(ParallelTestCase.class, recording.toArray(new String[0])), 24);
        assertAllSucceeded(run(ParallelTestCase.class, parallel), 24);
        assertThat(new GoldenStore(goldens).readManifest("parallel/g7").orElseThrow().variants.get("default").test())
                .isEqualTo("dev.reprodiff.junit.GoldenExtensionTests$ParallelTestCase#record repetition 7 of 24");
        try (Stream<Path> files = Files.list(goldens.resolve("parallel"))) {
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(48)
                    .allMatch(name -> name.endsWith(".json") || name.endsWith(".safetensors"));
        }
    }

    @Goldens
    static class DynamicTestCase {
        @org.junit.jupiter.api.TestFactory
        Stream<org.junit.jupiter.api.DynamicTest> goldens() {
            return Stream.of(1, 2).map(i -> org.junit.jupiter.api.DynamicTest.dynamicTest("golden " + i,
                    () -> assertThatTensor(new float[] {i}, 1).matchesGolden("dynamic/g" + i)));
        }
    }

    @Test
    void bindGoldensInDynamicTests() {
        assertAllSucceeded(run(DynamicTestCase.class, "reprodiff.golden.mode", "record"), 2);
        assertAllSucceeded(run(DynamicTestCase.class), 2);
        assertThat(tensorFile("dynamic/g2")).exists();
    }

    // ---- misuse

    @Test
    void explainGoldensOutsideTheExtension() {
        assertThatIllegalStateException().isThrownBy(() -> assertThatTensor(values, 4).matchesGolden("x"))
                .withMessage("Goldens need reprodiff's JUnit extension, and this thread runs no test that has it:"
                        + " annotate the test class with @Goldens (or @Seeded or @Deterministic), and call"
                        + " matchesGolden on the test's own thread");
    }

    @Goldens
    static class BadNameTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("../escape", values, 4);
        }
    }

    @Test
    void rejectGoldenNamesThatLeaveTheFolder() {
        assertThat(onlyFailure(run(BadNameTestCase.class))).hasMessage("Invalid golden name \"../escape\": use"
                + " letters, digits, '_', '-' and '.', with '/' between folders, such as \"ddim/tiny-2-steps\"; no"
                + " part may be empty, \".\" or \"..\", start with '.' or be longer than 250 characters");
    }

}
