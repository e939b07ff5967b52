package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GoldenReportTests {

    static final Platform EPYC = new Platform("Linux", "amd64", "AMD EPYC", "avx512", "cpu", "AMD EPYC", null, null,
            "2.7.1", "0.36.0", 2, Map.of());
    static final Platform H200 = new Platform("Linux", "amd64", "AMD EPYC", "avx512", "gpu", "NVIDIA H200", "9.0",
            "12.8", "2.7.1", "0.36.0", 2, Map.of());

    @TempDir
    Path dir;

    static GoldenResult.Subject subject(String golden, Platform platform) {
        return new GoldenResult.Subject("run-1", "examples", golden, "/ci/goldens", "DdimTest#twoSteps", null,
                new long[] {0}, "method", false, "float32", new long[] {1, 3, 8, 8}, false, platform);
    }

    static GoldenResult passed(String golden, Platform platform, double linf) {
        return new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.PASSED, subject(golden, platform),
                new GoldenResult.Comparison("default", "the default golden", EPYC, linf, 1e-5, 0,
                        "tolerances.json: platforms.cpuVsGpu", linf / 1e-5, 0, 192, null, null, List.of(), null), null, null);
    }

    private GoldenReport.Source downloaded(Path folder) {
        return new GoldenReport.Source("", null, folder, null, null);
    }

    @Test
    void mergeTheResultFoldersOfTwoCiJobsIntoOneRowWithAColumnPerPlatform() throws IOException {
        Path cpu = dir.resolve("results-cpu");
        Path gpu = dir.resolve("results-h200");
        passed("ddim/two-steps", EPYC, 0).write(cpu);
        passed("ddim/two-steps", H200, 2.5e-6).write(gpu.resolve("examples/target/reprodiff"));
        GoldenReport report = GoldenReport.build("g:a:1", List.of(downloaded(cpu), downloaded(gpu)), dir.resolve("out"));
        assertThat(report.platforms()).containsExactly("cpu AMD EPYC (avx512)", "gpu NVIDIA H200");
        assertThat(report.rows()).singleElement().satisfies(row -> {
            assertThat(row.module()).isEqualTo("examples");
            assertThat(row.golden()).isEqualTo("ddim/two-steps");
            assertThat(row.cells()).containsOnlyKeys("cpu AMD EPYC (avx512)", "gpu NVIDIA H200");
            assertThat(row.cells().get("gpu NVIDIA H200").comparison().linf()).isEqualTo(2.5e-6);
        });
        report.write(dir.resolve("out"));
        String html = Files.readString(dir.resolve("out/index.html"));
        assertThat(html).contains("<th>cpu AMD EPYC (avx512)</th><th>gpu NVIDIA H200</th>", "2.50e-06",
                "uses 25.0%, 75.0% headroom", "identical", "2 passed", "2 platforms");
        assertThat(dir.resolve("out/report.json")).content().contains("\"format\" : \"reprodiff-report/2\"");
    }

    @Test
    void showCorruptGoldensAndManifestsAsSuchNamingTheFile() throws IOException {
        Path goldens = Files.createDirectories(dir.resolve("goldens"));
        Files.writeString(goldens.resolve("broken.json"), "{\"variants\": {");
        Path artifacts = dir.resolve("artifacts");
        new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.CORRUPT, subject("ddim/edited", EPYC), null, null,
                "Golden \"ddim/edited\" is corrupt: /g/ddim/edited.safetensors has CRC32C 0000, but its manifest"
                        + " recorded 1111").write(artifacts);
        Files.createDirectories(artifacts.resolve("results/x")).resolve("cut.json");
        Files.writeString(artifacts.resolve("results/x/cut.json"), "{\"format\": \"reprodiff-result/2\", \"st");
        GoldenReport report = GoldenReport.build("g:a:1", List.of(new GoldenReport.Source("", dir, artifacts, null,
                goldens)), dir.resolve("out"));
        assertThat(report.count(GoldenResult.Status.CORRUPT)).isEqualTo(1);
        assertThat(report.problems()).hasSize(2).anySatisfy(p -> assertThat(p).startsWith(goldens.resolve(
                "broken.json") + ": corrupt manifest at line 1, column 15")).anySatisfy(p -> assertThat(p)
                .startsWith("unreadable result file " + artifacts.resolve("results/x/cut.json") + ": "));
        report.write(dir.resolve("out"));
        assertThat(Files.readString(dir.resolve("out/index.html"))).contains("class=\"corrupt\">corrupt",
                "has CRC32C 0000", "1 corrupt", "broken.json: corrupt manifest");
    }

    @Test
    void aReportThatCannotBeBuiltStillSaysWhy() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        Path out = dir.resolve("out");
        ReportMojo.write(new org.apache.maven.plugin.logging.SystemStreamLog(), project(), List.of(
                new GoldenReport.Source("", dir, dir.resolve("artifacts"), null, notAFolder.resolve("sub"))), out);
        assertThat(out.resolve("index.html")).exists();
        assertThat(out.resolve("report.json")).exists();
    }

    private static org.apache.maven.project.MavenProject project() {
        org.apache.maven.model.Model model = new org.apache.maven.model.Model();
        model.setGroupId("g");
        model.setArtifactId("a");
        model.setVersion("1");
        return new org.apache.maven.project.MavenProject(model);
    }

    @Test
    void testsThatRanAreNamedAsTheExtensionNamesThemAndSkippedOnesAreLeftOut() {
        assertThat(GoldenReport.testsThatRan(List.of(
                new GoldenReport.TestCase("p.ATest", "m(Generator, Golden)", "0.1", "passed", null, null),
                new GoldenReport.TestCase("p.Outer$Inner", "n", "0.1", "failed", "boom", "at x"),
                new GoldenReport.TestCase("p.SkipTest", "s", "0", "skipped", null, null))))
                .containsExactly("ATest#m", "Outer$Inner#n");
    }
}
