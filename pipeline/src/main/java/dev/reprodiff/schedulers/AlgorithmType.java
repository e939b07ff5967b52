package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** DPM-Solver's {@code algorithm_type}: the data-prediction solvers (https://arxiv.org/abs/2211.01095). */
public enum AlgorithmType {
    @JsonProperty("dpmsolver++") DPMSOLVER_PLUS_PLUS,
    @JsonProperty("sde-dpmsolver++") SDE_DPMSOLVER_PLUS_PLUS;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
