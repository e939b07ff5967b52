package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Euler's {@code timestep_type}. */
public enum TimestepType {
    @JsonProperty("discrete") DISCRETE;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
