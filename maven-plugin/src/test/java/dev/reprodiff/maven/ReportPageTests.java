package dev.reprodiff.maven;

import dev.reprodiff.golden.Calibration;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.ToleranceRule;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.reprodiff.maven.GoldenReportTests.EPYC;
import static dev.reprodiff.maven.GoldenReportTests.H200;
import static org.assertj.core.api.Assertions.assertThat;

class ReportPageTests {

    private static final String CPU = "cpu AMD EPYC (avx512)";
    private static final String GPU = "gpu NVIDIA H200";

    private static GoldenResult.Subject subject(String golden, String test, long[] shape, boolean trajectory) {
        return new GoldenResult.Subject("run-1", "examples", golden, "/goldens", test, null, new long[] {0},
                "method", false, "float32", shape, trajectory, EPYC);
    }

    private static GoldenResult result(GoldenResult.Status status, GoldenResult.Subject subject, double linf,
                                       double used, Integer firstOut, double[] steps, List<String> images,
                                       ToleranceRule.Calibrated calibrated) {
        return new GoldenResult(GoldenResult.FORMAT, status, subject, new GoldenResult.Comparison("default",
                "the default golden", EPYC, linf, 1e-5, 0, calibrated == null ? "tolerances.json: platforms.sameCpuModel"
                : "tolerances.json: goldens." + subject.golden() + ".sameCpuModel", used, status
                == GoldenResult.Status.FAILED ? 7 : 0, 192, firstOut, steps, images, calibrated), null, null);
    }

    private static GoldenReport.Row row(String golden, String test, GoldenResult cpu, GoldenResult gpu) {
        Map<String, GoldenResult> cells = new LinkedHashMap<>();
        cells.put(CPU, cpu);
        if (gpu != null) {
            cells.put(GPU, gpu);
        }
        return new GoldenReport.Row("examples", golden, test, cells);
    }

    /** Three goldens, listed in the builder's order: a far one, a failed trajectory, one near its tolerance. */
    private static Document page() {
        GoldenResult far = result(GoldenResult.Status.PASSED, subject("a/far", "ATest#far", new long[] {4}, false),
                1e-6, 0.1, null, null, null, new ToleranceRule.Calibrated(4e-6, 5, "2026-12-02"));
        GoldenResult failed = result(GoldenResult.Status.FAILED, subject("b/walk", "BTest#walk",
                new long[] {3, 1, 3, 8, 8}, true), 2e-3, 200, 2, new double[] {1e-7, 2e-7, 2e-3}, List.of(
                "images/1-walk.expected.png", "images/1-walk.actual.png", "images/1-walk.difference.png"), null);
        GoldenResult near = result(GoldenResult.Status.PASSED, subject("c/near", "CTest#near", new long[] {4}, false),
                9e-6, 0.9, null, null, null, null);
        GoldenResult nearOnGpu = new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.PASSED,
                new GoldenResult.Subject("run-1", "examples", "c/near", "/goldens", "CTest#near", null, null, null,
                        false, "float32", new long[] {4}, false, H200), near.comparison(), null, null);
        List<GoldenReport.Row> rows = java.util.stream.Stream.of(row("a/far", "ATest#far", far, null),
                row("b/walk", "BTest#walk", failed, null), row("c/near", "CTest#near", near, nearOnGpu))
                .sorted(GoldenReport.READING_ORDER).toList();
        Calibration.Entry walk = new Calibration.Entry("b/walk", "sameCpuModel", "float32", "cpu", 5, 3e-7, 1e-7,
                new Calibration.Distribution(1e-7, 2e-7, 3e-7, 3e-7), Map.of("default", 3e-7),
                new double[] {1e-7, 3e-7, 2e-7}, 1e-6, new ToleranceRule(1e-5, 0, "tolerances.json:"
                + " platforms.sameCpuModel", null));
        GoldenReport report = new GoldenReport(GoldenReport.FORMAT, "g:a:1", List.of(CPU, GPU), rows, List.of(),
                List.of(), List.of(), List.of(), List.of(new GoldenReport.TestCase("dev.x.BTest", "walk(Generator)",
                "0.1", "failed", "b/walk differs", "GoldenAssertionError: [BTest#walk]\nExpecting actual: ...")),
                Map.of(GoldenReport.calibrationKey("b/walk", "sameCpuModel"), walk));
        return Jsoup.parse(ReportPage.render(report));
    }

    @Test
    void failuresComeFirstThenTheGoldensNearestTheirTolerance() {
        Elements rows = page().select("table.goldens tr.golden-row");
        assertThat(rows).extracting(r -> r.selectFirst("td.golden code").text())
                .containsExactly("b/walk", "c/near", "a/far");
        assertThat(rows).extracting(r -> r.attr("data-status")).containsExactly("failed", "passed", "passed");
        assertThat(rows.get(1).attr("data-search")).isEqualTo("examples c/near ctest#near");
        assertThat(page().select("table.goldens tr").first().select("th")).extracting(Element::text)
                .containsExactly("Golden", CPU, GPU);
    }

    @Test
    void theFilterAndSearchAreHiddenUntilTheScriptShowsThem() {
        Document page = page();
        Element controls = page.getElementById("controls");
        assertThat(controls.hasAttr("hidden")).isTrue();
        assertThat(controls.select("#status-filter option")).extracting(e -> e.attr("value"))
                .containsExactly("", "passed", "failed", "corrupt", "missing", "recorded", "discarded");
        assertThat(controls.select("input#search").attr("type")).isEqualTo("search");
        assertThat(page.select("script").html()).contains("controls.hidden = false", "tr.golden-row",
                "data-status", "data-search");
    }

    @Test
    void aTrajectoryGetsItsStepChartAgainstTheToleranceWithTheCalibratedSpreadAndTheFirstStepOut() {
        Element cell = page().select("tr.golden-row").get(0).select("td").get(1);
        Element svg = cell.selectFirst("svg.steps");
        assertThat(svg).isNotNull();
        assertThat(svg.selectFirst("polyline.linf").attr("points").split(" ")).hasSize(3);
        assertThat(svg.selectFirst("polyline.calibrated").attr("points").split(" ")).hasSize(3);
        assertThat(svg.selectFirst("line.tolerance").selectFirst("title").text()).isEqualTo("atol 1.00e-05");
        Element first = svg.selectFirst("circle.first-out");
        assertThat(first.selectFirst("title").text()).isEqualTo("first step out of tolerance: 2");
        // The last point of the L-inf line is the circled one.
        String[] points = svg.selectFirst("polyline.linf").attr("points").split(" ");
        assertThat(points[2]).isEqualTo(first.attr("cx") + "," + first.attr("cy"));
        assertThat(page().select("tr.golden-row").get(1).select("svg.steps")).isEmpty();
    }

    @Test
    void thumbnailsLinkToTheirPngsAndTheDifferenceMapHasItsLegendWithTheToleranceMarked() {
        Element cell = page().select("tr.golden-row").get(0).select("td").get(1);
        Elements links = cell.select(".images figure a");
        assertThat(links).extracting(a -> a.attr("href")).containsExactly("images/1-walk.expected.png",
                "images/1-walk.actual.png", "images/1-walk.difference.png");
        assertThat(links).allSatisfy(a -> assertThat(a.selectFirst("img").attr("src")).isEqualTo(a.attr("href")));
        Element legend = cell.selectFirst(".legend");
        assertThat(legend.select(".tick")).extracting(Element::text).containsExactly("1e-9", "1e-6", "1e-3", "1e0");
        assertThat(legend.selectFirst(".mark-label").text()).isEqualTo("atol 1.00e-05");
        // 1e-5 lies 4 of the scale's 9 decades up: 4/9 of 240 px.
        assertThat(legend.selectFirst(".mark").attr("style")).isEqualTo("left:106.7px");
        assertThat(legend.selectFirst(".ramp").attr("style")).startsWith("background:linear-gradient(to right, #400000");
    }

    @Test
    void theFailureMessageSitsBesideItsGoldenAndEachCellSaysHowItsToleranceWasSet() {
        Elements rows = page().select("tr.golden-row");
        Element golden = rows.get(0).selectFirst("td.golden");
        assertThat(golden.selectFirst("pre.failure").text()).startsWith("GoldenAssertionError: [BTest#walk]");
        assertThat(rows.get(1).select("pre.failure")).isEmpty();
        assertThat(rows.get(0).selectFirst("small.calibration").text()).isEqualTo("hand-set, not calibrated;"
                + " calibration.json proposes atol 1.0e-06 (observed max 3.0e-07 over 5 observations)");
        assertThat(rows.get(2).selectFirst("small.calibration").text())
                .isEqualTo("calibrated: observed max 4.0e-06 over 5 runs on 2026-12-02");
        assertThat(rows.get(1).select("td").get(2).selectFirst("small.calibration").text())
                .isEqualTo("hand-set, not calibrated");
    }

    @Test
    void anExactRuleIsNamedOnceWithItsReason() {
        GoldenResult.Subject subject = subject("d/exact", "DTest#exact", new long[] {4}, false);
        GoldenResult exact = new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.PASSED, subject,
                new GoldenResult.Comparison("default", "the default golden", EPYC, 0, 0, 0,
                        "exact: a @Deterministic test on the platform the golden was recorded on", 0, 0, 4, null, null,
                        List.of(), null), null, null);
        GoldenReport report = new GoldenReport(GoldenReport.FORMAT, "g:a:1", List.of(CPU), List.of(row("d/exact",
                "DTest#exact", exact, null)), List.of(), List.of(), List.of(), List.of(), List.of(), Map.of());
        Element cell = Jsoup.parse(ReportPage.render(report)).select("tr.golden-row").get(0).select("td").get(1);

        assertThat(cell.select("small").eachText())
                .contains("exact: a @Deterministic test on the platform the golden was recorded on");
        assertThat(cell.text()).doesNotContain("exact, exact");
    }
}
