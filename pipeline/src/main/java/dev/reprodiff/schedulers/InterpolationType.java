package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Euler's {@code interpolation_type}: how sigmas are read off the training schedule at the inference timesteps. */
public enum InterpolationType {
    @JsonProperty("linear") LINEAR;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
