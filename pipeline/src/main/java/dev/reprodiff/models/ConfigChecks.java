package dev.reprodiff.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.io.ConfigException;

/** Checks of the model configurations that the records' types cannot express, with diffusers' key names. */
final class ConfigChecks {

    private ConfigChecks() {
    }

    /** {@code sample_size}: absent, a positive integer, or {@code [height, width]} of positive integers. */
    static void requireSampleSize(String source, JsonNode sampleSize) {
        if (sampleSize == null || sampleSize.isNull()) {
            return;
        }
        boolean valid = sampleSize.isInt() ? sampleSize.asInt() > 0
                : sampleSize.isArray() && sampleSize.size() == 2 && isPositiveInt(sampleSize.get(0))
                && isPositiveInt(sampleSize.get(1));
        if (!valid) {
            throw ConfigException.invalid(source, "sample_size", sampleSize, "a positive integer or"
                    + " [height, width] of positive integers (the size of the samples the model was trained on)");
        }
    }

    /** A norm's epsilon: at least 0, since a negative one makes the variance negative and the output NaN. */
    static void requireEpsilon(String source, String key, double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw ConfigException.invalid(source, key, epsilon, "a finite number of at least 0 (the epsilon added"
                    + " to the variance; diffusers' default is 1e-05)");
        }
    }

    private static boolean isPositiveInt(JsonNode value) {
        return value.isInt() && value.asInt() > 0;
    }
}
