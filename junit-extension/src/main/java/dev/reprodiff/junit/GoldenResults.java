package dev.reprodiff.junit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One JSON file per golden comparison or recording, {@code <artifacts>/results/<test>/<golden>.json}, for reports
 * (the Maven plugin's {@code reprodiff:report}) to read; failures to write never fail the test.
 */
final class GoldenResults {

    static final String FOLDER = "results";
    static final String FORMAT = "reprodiff-result/1";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private GoldenResults() {
    }

    /** What became of one golden in one test: passed, failed, recorded or missing. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Result(String format, String golden, String test, String status, String goldenDir, String variant,
                  String choice, String dtype, long[] shape, long[] seeds, String seedSource, boolean deterministic,
                  Double linf, Double atol, Double rtol, String toleranceSource, Double toleranceUsed,
                  Long mismatched, Long total, Integer firstStepOutOfTolerance, Platform current,
                  Platform recorded, List<String> images) {
    }

    /**
     * The largest share of its allowance any element used: {@code max |a - g| / (atol + rtol * |g|)}; 0 for identical
     * tensors, above 1 outside tolerance, infinite where an exact rule meets any difference.
     */
    static double toleranceUsed(float[] actual, float[] golden, Tolerance tolerance) {
        double used = 0;
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] == golden[i]) {
                continue;
            }
            double diff = Math.abs((double) actual[i] - golden[i]);
            double allowed = tolerance.atol() + tolerance.rtol() * Math.abs((double) golden[i]);
            used = Math.max(used, Double.isNaN(diff) || allowed == 0 ? Double.POSITIVE_INFINITY : diff / allowed);
        }
        return used;
    }

    static void write(Path artifacts, String testId, Result result) {
        try {
            Path file = artifacts.resolve(FOLDER).resolve(testId.replace('#', '/')).resolve(result.golden() + ".json");
            Files.createDirectories(file.getParent());
            GoldenStore.writeAtomically(file, MAPPER.writeValueAsBytes(result));
        } catch (IOException | RuntimeException e) {
            System.err.println("reprodiff: cannot write the result of golden \"" + result.golden() + "\": " + e);
        }
    }
}
