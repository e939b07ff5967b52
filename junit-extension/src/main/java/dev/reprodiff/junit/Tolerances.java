package dev.reprodiff.junit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.Platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The tolerance for comparing a golden recorded on one platform with a tensor computed on another: exact for a
 * {@code @Deterministic} test on the same platform, else {@code tolerances.json}'s per-golden or per-platform-pair
 * rule, else the dtype's default.
 *
 * <pre>{@code
 * {
 *   "platforms": {"sameCpuModel": {"atol": 0, "rtol": 0}, "otherCpu": {"atol": 1e-5, "rtol": 0},
 *                 "cpuVsGpu": {"atol": 1e-3, "rtol": 0}, "sameGpuModel": {"atol": 0, "rtol": 0},
 *                 "otherGpu": {"atol": 5e-3, "rtol": 0}},
 *   "goldens": {"ddim/tiny": {"atol": 1e-4, "rtol": 0}}
 * }
 * }</pre>
 */
final class Tolerances {

    static final String FILE_NAME = GoldenProperties.DEFAULT_TOLERANCES;
    static final String EXACT_SOURCE = "exact: a @Deterministic test on the platform the golden was recorded on";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Tolerances() {
    }

    static Tolerance resolve(Path goldenDir, String golden, String dtype, Platform recorded, Platform current,
                             boolean deterministic) {
        return resolve(goldenDir, FILE_NAME, golden, dtype, recorded, current, deterministic);
    }

    /** As above, with the rules in {@code fileName} (a tolerance profile such as {@code tolerances-cuda.json}). */
    static Tolerance resolve(Path goldenDir, String fileName, String golden, String dtype, Platform recorded,
                             Platform current, boolean deterministic) {
        if (deterministic && recorded.sameAs(current)) {
            return Tolerance.exact(EXACT_SOURCE);
        }
        JsonNode root = read(goldenDir.resolve(fileName));
        if (root != null) {
            JsonNode override = root.path("goldens").path(golden);
            if (!override.isMissingNode()) {
                return rule(goldenDir.resolve(fileName), override, "goldens." + golden);
            }
            String pair = pair(recorded, current);
            JsonNode byPair = root.path("platforms").path(pair);
            if (!byPair.isMissingNode()) {
                return rule(goldenDir.resolve(fileName), byPair, "platforms." + pair);
            }
        }
        return Tolerance.defaultFor(dtype);
    }

    /** Which pair of platforms this is, as {@code tolerances.json} names it. */
    static String pair(Platform recorded, Platform current) {
        boolean recordedGpu = "gpu".equals(recorded.deviceType());
        boolean currentGpu = "gpu".equals(current.deviceType());
        if (recordedGpu != currentGpu) {
            return "cpuVsGpu";
        }
        if (recordedGpu) {
            return Objects.equals(recorded.deviceName(), current.deviceName()) ? "sameGpuModel" : "otherGpu";
        }
        return Objects.equals(recorded.cpuModel(), current.cpuModel()) && Objects.equals(recorded.arch(),
                current.arch()) && recorded.sameCpuCapability(current) ? "sameCpuModel" : "otherCpu";
    }

    private static Tolerance rule(Path file, JsonNode node, String key) {
        JsonNode atol = node.path("atol");
        JsonNode rtol = node.path("rtol");
        if (!atol.isNumber() || !rtol.isNumber() || atol.asDouble() < 0 || rtol.asDouble() < 0) {
            throw new GoldenException("Invalid tolerance \"" + key + "\" in " + file
                    + ": expected {\"atol\": number >= 0, \"rtol\": number >= 0} but found " + node);
        }
        return new Tolerance(atol.asDouble(), rtol.asDouble(), file.getFileName() + ": " + key);
    }

    private static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode root = MAPPER.readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw new GoldenException("Invalid " + file + ": expected a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new GoldenException("Malformed JSON in " + file + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new GoldenException("Cannot read " + file + ": " + e, e);
        }
    }
}
