package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** DDPM's {@code variance_type}: the variance of the noise added at each reverse step. */
public enum VarianceType {
    @JsonProperty("fixed_small") FIXED_SMALL,
    @JsonProperty("fixed_small_log") FIXED_SMALL_LOG,
    @JsonProperty("fixed_large") FIXED_LARGE,
    @JsonProperty("fixed_large_log") FIXED_LARGE_LOG;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
