package dev.reprodiff.golden;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What became of one golden in one test: passed, failed, recorded or missing. The JUnit extension writes one file
 * per golden comparison or recording, {@code <artifacts>/results/<test>/<golden>.json}; reports read them.
 *
 * @param toleranceUsed the largest share of its allowance any element used, {@code max |a - g| / (atol + rtol |g|)}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GoldenResult(String format, String golden, String test, String status, String goldenDir,
                           String variant, String choice, String dtype, long[] shape, long[] seeds, String seedSource,
                           boolean deterministic, Double linf, Double atol, Double rtol, String toleranceSource,
                           Double toleranceUsed, Long mismatched, Long total, Integer firstStepOutOfTolerance,
                           Platform current, Platform recorded, List<String> images) {

    /** The folder under the artifacts folder that holds result files: {@value}. */
    public static final String FOLDER = "results";

    /** The value of {@code format} in every result file: {@value}. */
    public static final String FORMAT = "reprodiff-result/1";

    /** {@code <artifacts>/results/<Test>/<method>/<golden>.json} for a test id {@code Test#method}. */
    public static Path file(Path artifacts, String testId, String golden) {
        return artifacts.resolve(FOLDER).resolve(testId.replace('#', '/')).resolve(golden + ".json");
    }

    /** Writes this result atomically to its {@link #file}. */
    public void write(Path artifacts) throws IOException {
        Path file = file(artifacts, test, golden);
        Files.createDirectories(file.getParent());
        GoldenFiles.writeAtomically(file, GoldenFiles.JSON.writeValueAsBytes(this));
    }

    /** Reads a result file. */
    public static GoldenResult read(Path file) throws IOException {
        return GoldenFiles.JSON.readValue(file.toFile(), GoldenResult.class);
    }
}
