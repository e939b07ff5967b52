package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code timestep_spacing}: how the inference timesteps are picked among the training timesteps (Table 2 of https://arxiv.org/abs/2305.08891). */
public enum TimestepSpacing {
    @JsonProperty("linspace") LINSPACE,
    @JsonProperty("leading") LEADING,
    @JsonProperty("trailing") TRAILING;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
