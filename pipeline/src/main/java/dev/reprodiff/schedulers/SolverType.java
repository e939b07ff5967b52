package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;

/** DPM-Solver's {@code solver_type} for the second-order update. */
public enum SolverType {
    @JsonProperty("midpoint") MIDPOINT,
    @JsonProperty("heun") HEUN;

    /** The spelling in {@code scheduler_config.json}. */
    public String configValue() {
        return ConfigValues.configValue(this);
    }
}
