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

    /** One recorded tensor file and its provenance. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Variant(String file, String tensor, String dtype, long[] shape, boolean trajectory, String sha256,
                          String test, long[] seeds, String seedSource, Map<String, String> settings,
                          boolean deterministic, String recordedAt, Platform platform) {
    }
}
