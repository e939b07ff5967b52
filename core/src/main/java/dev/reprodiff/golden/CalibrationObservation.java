package dev.reprodiff.golden;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What one golden assertion observed in one calibration run: the difference from the recorded golden, and the
 * digest of the computed tensor (and of each step of a trajectory), which tells runs that differ from one another.
 * The JUnit extension writes one file per golden, run and invocation, {@code <artifacts>/calibration/run-<n>/<Test>/
 * <method>/<golden>.json}; {@code reprodiff:calibrate} reads them all into a {@link Calibration}.
 *
 * @param run the calibration run, 1 for the first
 * @param pair the pair of platforms (golden's, this run's), as tolerance profiles name it
 * @param linf {@code max |actual - golden|}
 * @param relative {@code linf / max |golden|}: the difference relative to the tensor's scale (0 for a zero golden
 *        matched exactly, infinite for a zero golden missed)
 * @param stepLinf for a trajectory, the L-infinity of each step
 * @param sha256 the SHA-256 of the computed tensor's float32 values (little-endian)
 * @param stepSha256 for a trajectory, the SHA-256 of each step
 * @param rule the tolerance profile's rule for this golden and pair (or the dtype's default) at the time
 * @param message why nothing was compared (a missing or unreadable golden), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CalibrationObservation(String format, int run, CalibrationVariation variation,
                                     GoldenResult.Subject subject, String variant, Platform recorded, String pair,
                                     double linf, double relative, double[] stepLinf, String sha256,
                                     List<String> stepSha256, ToleranceRule rule, String message) {

    /** The folder under the artifacts folder that holds the observations: {@value}. */
    public static final String FOLDER = "calibration";

    /** The value of {@code format} in every observation file: {@value}. */
    public static final String FORMAT = "reprodiff-calibration-observation/1";

    /** {@code <artifacts>/calibration/run-<n>}. */
    public static Path runFolder(Path artifacts, int run) {
        return artifacts.resolve(FOLDER).resolve("run-" + run);
    }

    public Path file(Path artifacts) {
        return GoldenResult.file(runFolder(artifacts, run), subject);
    }

    /** Writes the observation atomically to its {@link #file}. */
    public void write(Path artifacts) throws IOException {
        Path file = file(artifacts);
        Files.createDirectories(file.getParent());
        GoldenFiles.writeArtifact(file, GoldenFiles.JSON.writeValueAsBytes(this));
    }

    /** Every observation under {@code <artifacts>/calibration}, by run, test and golden. */
    public static List<CalibrationObservation> readAll(Path artifacts) throws IOException {
        Path folder = artifacts.resolve(FOLDER);
        List<CalibrationObservation> all = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return all;
        }
        List<Path> files = GoldenFiles.regularFiles(folder).stream()
                .filter(file -> file.getFileName().toString().endsWith(".json")).toList();
        for (Path file : files) {
            CalibrationObservation observation = GoldenFiles.JSON.readValue(file.toFile(),
                    CalibrationObservation.class);
            if (observation != null && FORMAT.equals(observation.format()) && observation.subject() != null) {
                all.add(observation);
            }
        }
        all.sort(Comparator.comparingInt(CalibrationObservation::run)
                .thenComparing(o -> o.subject().test()).thenComparing(o -> o.subject().golden()));
        return all;
    }
}
