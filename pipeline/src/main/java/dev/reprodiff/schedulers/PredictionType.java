package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code prediction_type}: what the denoising model predicts. */
public enum PredictionType {
    @JsonProperty("epsilon") EPSILON,
    @JsonProperty("v_prediction") V_PREDICTION,
    @JsonProperty("sample") SAMPLE;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
