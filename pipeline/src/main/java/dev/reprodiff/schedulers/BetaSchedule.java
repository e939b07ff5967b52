package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code beta_schedule}: how the training noise variances beta_1..beta_T are laid out (ignored when {@code trained_betas} is set). */
public enum BetaSchedule {
    @JsonProperty("linear") LINEAR,
    @JsonProperty("scaled_linear") SCALED_LINEAR,
    @JsonProperty("squaredcos_cap_v2") SQUAREDCOS_CAP_V2;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
