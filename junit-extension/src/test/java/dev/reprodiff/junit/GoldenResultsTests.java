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
        assertThat(result.path("variant").asText()).isEqualTo("default");
        assertThat(result.path("current").path("device_type").asText()).isEqualTo("cpu");
    }

    @Test
    void passingComparisonWritesLInfinityToleranceAndHeadroom() throws IOException {
        values = new float[] {1, 2, 3, 4};
        run("record");
        values = new float[] {1, 2, 3, 4.000001f};
        JsonNode result = run("verify");
        assertThat(result.path("status").asText()).isEqualTo("passed");
        assertThat(result.path("linf").asDouble()).isGreaterThan(0).isLessThan(1e-5);
        assertThat(result.path("atol").asDouble()).isEqualTo(1e-5);
        assertThat(result.path("tolerance_used").asDouble()).isGreaterThan(0).isLessThan(1);
        assertThat(result.path("recorded").path("libtorch_version").asText()).isNotEmpty();
    }

    @Test
    void failingComparisonWritesMismatchesAndTheToleranceUsed() throws IOException {
        values = new float[] {1, 2, 3, 4};
        run("record");
        values = new float[] {1, 2, 3, 5};
        JsonNode result = run("verify");
        assertThat(result.path("status").asText()).isEqualTo("failed");
        assertThat(result.path("mismatched").asLong()).isEqualTo(1);
        assertThat(result.path("linf").asDouble()).isEqualTo(1.0);
        assertThat(result.path("tolerance_used").asDouble()).isGreaterThan(1);
    }

    @Test
    void toleranceUsedIsZeroForIdenticalAndInfiniteOutsideAnExactRule() {
        assertThat(Tolerance.exact("x").used(new float[] {1, 2}, new float[] {1, 2}))
                .isZero();
        assertThat(Tolerance.exact("x").used(new float[] {1, 2}, new float[] {1, 3}))
                .isInfinite();
        assertThat(new Tolerance(1, 0, "x").used(new float[] {1.5f}, new float[] {1}))
                .isEqualTo(0.5);
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
