package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code final_sigmas_type}: the noise level after the last step. */
public enum FinalSigmasType {
    @JsonProperty("zero") ZERO,
    @JsonProperty("sigma_min") SIGMA_MIN;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
