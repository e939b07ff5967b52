package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static org.assertj.core.api.Assertions.assertThat;

class GoldenResultsTests {

    static volatile float[] values = {1, 2, 3, 4};

    @TempDir
    Path goldens;

    @TempDir
    Path artifacts;

    @Goldens
    static class TwoByTwoTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("small/two-by-two", values, 2, 2);
        }
    }

    private JsonNode run(String mode) throws IOException {
        execute(TwoByTwoTestCase.class, "reprodiff.golden.dir", goldens.toString(), "reprodiff.artifacts.dir",
                artifacts.toString(), "reprodiff.ci", "false", "reprodiff.golden.mode", mode);
        Path file = artifacts.resolve("results/GoldenResultsTests$TwoByTwoTestCase/compare/small/two-by-two.json");
        return new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void recordingWritesARecordedResult() throws IOException {
        values = new float[] {1, 2, 3, 4};
        JsonNode result = run("record");
        assertThat(result.path("format").asText()).isEqualTo(GoldenResult.FORMAT);
        assertThat(result.path("status").asText()).isEqualTo("recorded");
        assertThat(result.path("recording").path("variant").asText()).isEqualTo("default");
        assertThat(result.path("recording").path("change").asText()).isEqualTo("new");
        assertThat(result.path("subject").path("current").path("device_type").asText()).isEqualTo("cpu");
        assertThat(result.path("subject").path("module").asText()).isEqualTo("junit-extension");
        assertThat(run("record").path("recording").path("change").asText()).isEqualTo("unchanged");
        values = new float[] {1, 2, 3, 5};
        assertThat(run("record").path("recording").path("change").asText()).isEqualTo("changed");
    }

    @Test
    void passingComparisonWritesLInfinityToleranceAndHeadroom() throws IOException {
        values = new float[] {1, 2, 3, 4};
        run("record");
        values = new float[] {1, 2, 3, Math.nextUp(4f)};
        JsonNode result = run("verify");
        assertThat(result.path("status").asText()).isEqualTo("passed");
        JsonNode comparison = result.path("comparison");
        assertThat(comparison.path("linf").asDouble()).isEqualTo(Math.ulp(4f));
        assertThat(comparison.path("atol").asDouble()).isEqualTo(1e-5);
        assertThat(comparison.path("tolerance_used").asDouble()).isCloseTo(Math.ulp(4f) / (1e-5f + 1.3e-6f * 4),
                org.assertj.core.data.Offset.offset(1e-6));
        assertThat(comparison.path("recorded").path("libtorch_version").asText()).isNotEmpty();
        assertThat(comparison.has("images")).as("no artifacts for a passing golden").isTrue();
        assertThat(comparison.path("images")).isEmpty();
    }

    @Test
    void failingComparisonWritesMismatchesAndTheToleranceUsed() throws IOException {
        values = new float[] {1, 2, 3, 4};
        run("record");
        values = new float[] {1, 2, 3, 5};
        JsonNode result = run("verify");
        assertThat(result.path("status").asText()).isEqualTo("failed");
        assertThat(result.path("comparison").path("mismatched").asLong()).isEqualTo(1);
        assertThat(result.path("comparison").path("linf").asDouble()).isEqualTo(1.0);
        assertThat(result.path("comparison").path("tolerance_used").asDouble()).isGreaterThan(1);
    }

    @Test
    void toleranceProfileParameterSelectsAnotherFile() throws IOException {
        values = new float[] {1, 2, 3, 4};
        run("record");
        Files.writeString(goldens.resolve("tolerances-wide.json"),
                "{\"goldens\": {\"small/two-by-two\": {\"atol\": 2, \"rtol\": 0}}}");
        values = new float[] {1, 2, 3, 5};
        assertAllSucceeded(execute(TwoByTwoTestCase.class, "reprodiff.golden.dir", goldens.toString(),
                "reprodiff.artifacts.dir", artifacts.toString(), "reprodiff.ci", "false",
                Goldens.TOLERANCES_PROPERTY, "tolerances-wide.json"), 1);
    }
}
