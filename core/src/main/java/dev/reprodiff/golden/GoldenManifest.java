package dev.reprodiff.golden;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;
import java.util.TreeMap;

/**
 * A golden's {@code <name>.json}: its recorded variants by key ({@code default}, {@code cpu}, {@code gpu-...}), each
 * with the tensor file and the provenance of its recording. Read and written with {@link GoldenFiles#JSON}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class GoldenManifest {

    /** The value of {@code format} in every manifest: {@value}. */
    public static final String FORMAT = "reprodiff-golden/1";

    public String format = FORMAT;
    public String name;
    public Map<String, Variant> variants = new TreeMap<>();

    /**
     * One recorded tensor file and its provenance.
     *
     * @param file the tensor file, relative to the golden folder
     * @param sha256 the file's SHA-256 (its first 16 hex digits are in the file name)
     * @param crc32c the file's CRC32C, checked on every read; absent in manifests written before it existed, whose
     *        files are checked by their SHA-256
     * @param dtype the dtype of the tensor that was recorded (the file holds it widened to float32)
     * @param run the run that recorded it ({@value GoldenProperties#RUN_ID}), so that a second test recording the
     *        same variant in the same run is refused
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Variant(String file, String tensor, String dtype, long[] shape, boolean trajectory, String sha256,
                          String crc32c, String test, long[] seeds, String seedSource, Map<String, String> settings,
                          boolean deterministic, String recordedAt, String run, Platform platform) {

        /** The variant of a tensor file just written, with its recording's provenance. */
        public static Variant of(String file, String tensor, GoldenFiles.Digests digests, Provenance provenance) {
            return new Variant(file, tensor, provenance.dtype(), provenance.shape(), provenance.trajectory(),
                    digests.sha256(), digests.crc32c(), provenance.test(), provenance.seeds(),
                    provenance.seedSource(), provenance.settings(), provenance.deterministic(),
                    provenance.recordedAt(), provenance.run(), provenance.platform());
        }
    }

    /**
     * Where a recorded tensor came from, gathered once while its test ran (the determinism switches in
     * {@code platform} are the ones in force then).
     */
    public record Provenance(String dtype, long[] shape, boolean trajectory, String test, long[] seeds,
                             String seedSource, Map<String, String> settings, boolean deterministic,
                             String recordedAt, String run, Platform platform) {
    }
}
