package dev.reprodiff.maven;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReportPageTests {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void pageShowsStatusLInfinityToleranceHeadroomAndUnreadGoldens() throws Exception {
        ObjectNode report = (ObjectNode) MAPPER.readTree("""
                {"project": "g:a:1", "golden_dir": "/goldens",
                 "goldens": [{"golden": "ddim/a", "test": "T#m", "status": "passed", "dtype": "float32",
                              "shape": [1, 3, 8, 8], "variant": "default", "linf": 2.5e-6, "atol": 1e-5,
                              "rtol": 0, "tolerance_source": "tolerances.json: platforms.otherCpu",
                              "tolerance_used": 0.25, "seeds": [0], "seed_source": "method",
                              "images": {"expected": "images/e.png"}}],
                 "unread_goldens": ["old/<b>"],
                 "tests": [{"class": "p.T", "name": "m", "time": "0.1", "status": "failed",
                            "message": "boom", "detail": "at <x>"}]}""");
        String html = ReportPage.render(report);
        assertThat(html).contains("ddim/a", "2.50e-06", "atol 1.00e-05", "uses 25.0%, 75.0% headroom",
                "0 (method)", "src=\"images/e.png\"", "old/&lt;b&gt;", "at &lt;x&gt;", "1 passed");
    }

    @Test
    void exactRuleAndIdenticalTensorsReadAsSuch() throws Exception {
        ObjectNode report = (ObjectNode) MAPPER.readTree("""
                {"goldens": [{"golden": "g", "status": "passed", "shape": [2], "linf": 0, "atol": 0, "rtol": 0,
                              "tolerance_used": 0}], "tests": [], "unread_goldens": []}""");
        assertThat(ReportPage.render(report)).contains("exact", "identical", "Every golden was read");
    }

    @Test
    void testsThatRanAreNamedAsTheExtensionNamesThemAndSkippedOnesAreLeftOut() throws Exception {
        var tests = (com.fasterxml.jackson.databind.node.ArrayNode) MAPPER.readTree("""
                [{"class": "p.ATest", "name": "m(Generator, Golden)", "status": "passed"},
                 {"class": "p.Outer$Inner", "name": "n", "status": "failed"},
                 {"class": "p.SkipTest", "name": "s", "status": "skipped"}]""");
        assertThat(ReportMojo.testsThatRan(tests)).containsExactly("ATest#m", "Outer$Inner#n");
    }
}
