package dev.reprodiff.golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ToleranceProfileTests {

    @Test
    void aGoldensRuleForItsPairComesBeforeItsRuleForEveryPairAndThePairsRule(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tolerances.json");
        Files.writeString(file, """
                {"platforms": {"sameCpuModel": {"atol": 1e-5, "rtol": 0}, "otherCpu": {"atol": 2e-5, "rtol": 0}},
                 "goldens": {"a": {"atol": 1e-4, "rtol": 0,
                                   "sameCpuModel": {"atol": 5e-7, "rtol": 0,
                                       "calibrated": {"observedMax": 1.2e-7, "runs": 5, "date": "2026-12-02"}}},
                             "b": {"sameCpuModel": {"atol": 0, "rtol": 0}}}}
                """);
        ToleranceProfile profile = ToleranceProfile.read(file);
        ToleranceRule calibrated = profile.lookup("a", "sameCpuModel").orElseThrow();
        assertThat(calibrated.atol()).isEqualTo(5e-7);
        assertThat(calibrated.source()).isEqualTo("tolerances.json: goldens.a.sameCpuModel");
        assertThat(calibrated.provenance()).isEqualTo("calibrated: observed max 1.2e-07 over 5 runs on 2026-12-02");
        assertThat(profile.lookup("a", "otherCpu").orElseThrow().source()).isEqualTo("tolerances.json: goldens.a");
        assertThat(profile.lookup("b", "otherCpu").orElseThrow().source())
                .isEqualTo("tolerances.json: platforms.otherCpu");
        assertThat(profile.lookup("b", "otherCpu").orElseThrow().provenance()).isEqualTo("hand-set, not calibrated");
        assertThat(profile.lookup("c", "cpuVsGpu")).isEmpty();
        assertThat(profile.resolve("c", "cpuVsGpu", "float32").source())
                .isEqualTo("torch.testing.assert_close's default for float32");
    }

    @Test
    void settingACalibratedRuleKeepsTheOthersAndWritesAtomically(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tolerances.json");
        Files.writeString(file, "{\"platforms\": {\"sameCpuModel\": {\"atol\": 1e-5, \"rtol\": 0}},"
                + " \"goldens\": {\"a\": {\"atol\": 1e-4, \"rtol\": 0}}}");
        ToleranceProfile profile = ToleranceProfile.read(file);
        profile.set("a", "sameCpuModel", 5e-7, 0, new ToleranceRule.Calibrated(1.2e-7, 3, "2026-12-02"));
        profile.write();
        ToleranceProfile read = ToleranceProfile.read(file);
        assertThat(read.lookup("a", "sameCpuModel").orElseThrow()).isEqualTo(new ToleranceRule(5e-7, 0,
                "tolerances.json: goldens.a.sameCpuModel", new ToleranceRule.Calibrated(1.2e-7, 3, "2026-12-02")));
        assertThat(read.lookup("a", "otherCpu").orElseThrow().atol()).isEqualTo(1e-4);
        assertThat(read.lookup("b", "sameCpuModel").orElseThrow().atol()).isEqualTo(1e-5);
        assertThat(GoldenFiles.leftoverTemporaryFiles(dir)).isEmpty();
    }

    @Test
    void invalidRulesAndEvidenceNameTheFileAndKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tolerances.json");
        Files.writeString(file, "{\"goldens\": {\"a\": {\"sameCpuModel\": {\"atol\": -1, \"rtol\": 0}}}}");
        assertThatThrownBy(() -> ToleranceProfile.read(file).lookup("a", "sameCpuModel"))
                .isInstanceOf(ToleranceProfile.InvalidProfileException.class)
                .hasMessage("Invalid tolerance \"goldens.a.sameCpuModel\" in " + file + ": expected {\"atol\": number"
                        + " >= 0, \"rtol\": number >= 0} but found {\"atol\":-1,\"rtol\":0}");
        Files.writeString(file, "{\"goldens\": {\"a\": {\"atol\": 0, \"rtol\": 0, \"calibrated\": {\"runs\": 2}}}}");
        assertThatThrownBy(() -> ToleranceProfile.read(file).lookup("a", "sameCpuModel"))
                .hasMessageStartingWith("Invalid calibration evidence of \"goldens.a\" in " + file);
        Files.writeString(file, "{\"goldens\": ");
        assertThatThrownBy(() -> ToleranceProfile.read(file)).hasMessageStartingWith("Malformed JSON in " + file
                + " at line 1");
    }

    @Test
    void pairsNameTheDeviceTypesAndModels() {
        Platform cpu = CalibrationTests.platform(1);
        Platform otherCpu = new Platform("Linux", "amd64", "Other", "avx2", "cpu", "Other", null, null, "2.7.1",
                "0.36.0", 1, Map.of());
        Platform gpu = new Platform("Linux", "amd64", "CPU", "avx2", "gpu", "H200", "9.0", "12.4", "2.7.1", "0.36.0",
                1, Map.of());
        assertThat(ToleranceProfile.pair(cpu, CalibrationTests.platform(4))).isEqualTo("sameCpuModel");
        assertThat(ToleranceProfile.pair(cpu, otherCpu)).isEqualTo("otherCpu");
        assertThat(ToleranceProfile.pair(cpu, gpu)).isEqualTo("cpuVsGpu");
        assertThat(ToleranceProfile.pair(gpu, gpu)).isEqualTo("sameGpuModel");
    }
}
