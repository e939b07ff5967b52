package dev.reprodiff.golden;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What became of one golden in one test invocation: passed, failed, recorded, discarded, missing or corrupt. The JUnit
 * extension writes one file per golden and invocation, {@code <artifacts>/results/<Test>/<method>/<golden>.json};
 * {@code reprodiff:record} and {@code reprodiff:report} read them.
 *
 * @param comparison present when the golden was compared (passed or failed)
 * @param recording present when it was recorded
 * @param message why it is missing, corrupt or discarded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GoldenResult(String format, Status status, Subject subject, Comparison comparison, Recording recording,
                           String message) {

    /** The folder under the artifacts folder that holds result files: {@value}. */
    public static final String FOLDER = "results";

    /** The value of {@code format} in every result file: {@value}. */
    public static final String FORMAT = "reprodiff-result/2";

    /** What became of the golden. */
    public enum Status {
        PASSED, FAILED, RECORDED,
        /** Recorded by a test that then failed (or refused as a duplicate): not written. */
        DISCARDED,
        MISSING,
        /** The golden, its manifest or its tolerance profile could not be used. */
        CORRUPT;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Which golden, checked by which test invocation, computed where.
     *
     * @param module the Maven module's folder relative to the reactor root ({@code ""} at the root or outside one)
     * @param invocation the invocation of a test template ({@code [2]}), or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Subject(String run, String module, String golden, String goldenDir, String test, String invocation,
                          long[] seeds, String seedSource, boolean deterministic, String dtype, long[] shape,
                          boolean trajectory, Platform current) {
    }

    /**
     * A comparison with a recorded variant.
     *
     * @param toleranceUsed the largest share of its allowance any element used, {@code max |a - g| / (atol + rtol |g|)}
     * @param stepLinf for a trajectory, the L-infinity of each step
     * @param calibrated the evidence of a tolerance that {@code reprodiff:calibrate} set, or null for one set by hand
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Comparison(String variant, String choice, Platform recorded, double linf, double atol, double rtol,
                             String toleranceSource, double toleranceUsed, long mismatched, long total,
                             Integer firstStepOutOfTolerance, double[] stepLinf, List<String> images,
                             ToleranceRule.Calibrated calibrated) {
    }

    /**
     * A recording: the variant written, whether it is new, changed or holds the same values as before, its file and
     * size.
     */
    public record Recording(String variant, Change change, String file, long bytes) {
    }

    /** How a recorded variant compares with the one it replaced. */
    public enum Change {
        NEW, CHANGED,
        /** The same tensor bytes; only the provenance (time, seeds' source, platform) was rewritten. */
        UNCHANGED;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code <artifacts>/results/<Test>/<method>[/<invocation>]/<golden>.json}, each name fit to 255 bytes. */
    public Path file(Path artifacts) {
        return file(artifacts.resolve(FOLDER), subject);
    }

    /** {@code <folder>/<Test>/<method>[/<invocation>]/<golden>.json}, each name fit to 255 bytes. */
    static Path file(Path folder, Subject subject) {
        String[] test = subject.test().split("#", 2);
        folder = folder.resolve(GoldenFiles.fitFileName(test[0], ""));
        if (test.length > 1) {
            folder = folder.resolve(GoldenFiles.fitFileName(test[1], ""));
        }
        if (subject.invocation() != null) {
            folder = folder.resolve(GoldenFiles.fitFileName(subject.invocation().replaceAll("[^A-Za-z0-9_.\\[\\]-]",
                    "_"), ""));
        }
        String[] segments = subject.golden().split("/");
        for (int i = 0; i < segments.length - 1; i++) {
            folder = folder.resolve(segments[i]);
        }
        return folder.resolve(GoldenFiles.fitFileName(segments[segments.length - 1], ".json"));
    }

    /** Writes this result atomically to its {@link #file}. */
    public void write(Path artifacts) throws IOException {
        Path file = file(artifacts);
        Files.createDirectories(file.getParent());
        GoldenFiles.writeArtifact(file, GoldenFiles.JSON.writeValueAsBytes(this));
    }

    /** Reads a result file; a file of another format reads as null. */
    public static GoldenResult read(Path file) throws IOException {
        GoldenResult result = GoldenFiles.JSON.readValue(file.toFile(), GoldenResult.class);
        return result != null && FORMAT.equals(result.format()) && result.subject() != null ? result : null;
    }
}
