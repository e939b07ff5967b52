package dev.reprodiff.golden;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A tolerance profile ({@code tolerances.json}): rules per pair of platforms, and per golden, either for every pair
 * or per pair (as {@code reprodiff:calibrate} writes them, with their evidence).
 *
 * <pre>{@code
 * {
 *   "platforms": {"sameCpuModel": {"atol": 1e-5, "rtol": 0}, "otherCpu": {"atol": 1e-5, "rtol": 1e-5}},
 *   "goldens": {
 *     "ddim/tiny": {"atol": 1e-4, "rtol": 0},
 *     "ddim/latents": {"sameCpuModel": {"atol": 5e-7, "rtol": 0,
 *                      "calibrated": {"observedMax": 1.2e-7, "runs": 5, "date": "2026-12-02"}}}
 *   }
 * }
 * }</pre>
 *
 * A golden's rule for its pair comes first, then its rule for every pair, then the pair's rule; the JUnit extension and
 * {@code reprodiff:calibrate} both look rules up here.
 */
public final class ToleranceProfile {

    /** The pairs of platforms a profile names. */
    public static final String SAME_CPU_MODEL = "sameCpuModel";
    public static final String OTHER_CPU = "otherCpu";
    public static final String CPU_VS_GPU = "cpuVsGpu";
    public static final String SAME_GPU_MODEL = "sameGpuModel";
    public static final String OTHER_GPU = "otherGpu";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final ObjectNode root;

    private ToleranceProfile(Path file, ObjectNode root) {
        this.file = file;
        this.root = root;
    }

    /** A profile that a file holds is malformed or holds an invalid rule; the message names the file and the key. */
    public static final class InvalidProfileException extends RuntimeException {
        public InvalidProfileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The profile in {@code file}, or an empty one when the file does not exist. */
    public static ToleranceProfile read(Path file) {
        if (!Files.isRegularFile(file)) {
            return new ToleranceProfile(file, JsonNodeFactory.instance.objectNode());
        }
        try {
            JsonNode root = MAPPER.readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw new InvalidProfileException("Invalid " + file + ": expected a JSON object", null);
            }
            return new ToleranceProfile(file, (ObjectNode) root);
        } catch (JsonProcessingException e) {
            throw new InvalidProfileException("Malformed JSON in " + file + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidProfileException("Cannot read " + file + ": " + e, e);
        }
    }

    public Path file() {
        return file;
    }

    /** Which pair of platforms this is, as a profile names it. */
    public static String pair(Platform recorded, Platform current) {
        boolean recordedGpu = "gpu".equals(recorded.deviceType());
        boolean currentGpu = "gpu".equals(current.deviceType());
        if (recordedGpu != currentGpu) {
            return CPU_VS_GPU;
        }
        if (recordedGpu) {
            return Objects.equals(recorded.deviceName(), current.deviceName()) ? SAME_GPU_MODEL : OTHER_GPU;
        }
        return Objects.equals(recorded.cpuModel(), current.cpuModel()) && Objects.equals(recorded.arch(),
                current.arch()) && recorded.sameCpuCapability(current) ? SAME_CPU_MODEL : OTHER_CPU;
    }

    /** The profile's rule for {@code golden} on {@code pair}, or empty when it has none (the dtype's default holds). */
    public Optional<ToleranceRule> lookup(String golden, String pair) {
        JsonNode perGolden = root.path("goldens").path(golden);
        if (!perGolden.isMissingNode()) {
            JsonNode forPair = perGolden.path(pair);
            if (!forPair.isMissingNode()) {
                return Optional.of(rule(forPair, "goldens." + golden + "." + pair));
            }
            if (perGolden.has("atol") || perGolden.has("rtol")) {
                return Optional.of(rule(perGolden, "goldens." + golden));
            }
        }
        JsonNode byPair = root.path("platforms").path(pair);
        return byPair.isMissingNode() ? Optional.empty() : Optional.of(rule(byPair, "platforms." + pair));
    }

    /** The rule that holds for {@code golden} of {@code dtype} on {@code pair}: the profile's, else the default. */
    public ToleranceRule resolve(String golden, String pair, String dtype) {
        return lookup(golden, pair).orElseGet(() -> ToleranceRule.defaultFor(dtype));
    }

    /** Sets {@code goldens.<golden>.<pair>} to a calibrated rule (in memory; {@link #write} saves). */
    public void set(String golden, String pair, double atol, double rtol, ToleranceRule.Calibrated calibrated) {
        ObjectNode goldens = root.has("goldens") && root.get("goldens").isObject() ? (ObjectNode) root.get("goldens")
                : root.putObject("goldens");
        ObjectNode perGolden = goldens.has(golden) && goldens.get(golden).isObject()
                ? (ObjectNode) goldens.get(golden) : goldens.putObject(golden);
        ObjectNode rule = perGolden.putObject(pair);
        rule.put("atol", atol);
        rule.put("rtol", rtol);
        if (calibrated != null) {
            ObjectNode evidence = rule.putObject("calibrated");
            evidence.put("observedMax", calibrated.observedMax());
            evidence.put("runs", calibrated.runs());
            evidence.put("date", calibrated.date());
        }
    }

    /** Writes the profile atomically ({@link GoldenFiles#writeAtomically}). */
    public void write() throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        GoldenFiles.writeAtomically(file, (MAPPER.writeValueAsString(root) + "\n").getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
    }

    private ToleranceRule rule(JsonNode node, String key) {
        JsonNode atol = node.path("atol");
        JsonNode rtol = node.path("rtol");
        if (!atol.isNumber() || !rtol.isNumber() || atol.asDouble() < 0 || rtol.asDouble() < 0) {
            throw new InvalidProfileException("Invalid tolerance \"" + key + "\" in " + file
                    + ": expected {\"atol\": number >= 0, \"rtol\": number >= 0} but found " + node, null);
        }
        ToleranceRule.Calibrated calibrated = null;
        JsonNode evidence = node.path("calibrated");
        if (evidence.isObject()) {
            if (!evidence.path("observedMax").isNumber() || !evidence.path("runs").isInt()
                    || !evidence.path("date").isTextual()) {
                throw new InvalidProfileException("Invalid calibration evidence of \"" + key + "\" in " + file
                        + ": expected {\"observedMax\": number, \"runs\": integer, \"date\": \"yyyy-mm-dd\"} but"
                        + " found " + evidence + " (rerun reprodiff:calibrate with -D"
                        + GoldenProperties.CALIBRATE_APPLY + "=true, or remove it)", null);
            }
            calibrated = new ToleranceRule.Calibrated(evidence.get("observedMax").asDouble(),
                    evidence.get("runs").asInt(), evidence.get("date").asText());
        }
        return new ToleranceRule(atol.asDouble(), rtol.asDouble(), file.getFileName() + ": " + key, calibrated);
    }
}
