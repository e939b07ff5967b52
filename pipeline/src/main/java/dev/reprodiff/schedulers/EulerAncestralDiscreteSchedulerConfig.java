package dev.reprodiff.schedulers;

import java.util.List;

/**
 * The keys of an {@code EulerAncestralDiscreteScheduler} {@code scheduler_config.json}. A key missing from the file
 * arrives as {@code null} and takes diffusers' default.
 *
 * @param numTrainTimesteps T, the number of training diffusion steps (1000)
 * @param betaStart the first beta (0.0001)
 * @param betaEnd the last beta (0.02)
 * @param betaSchedule how the betas are laid out ({@code linear})
 * @param trainedBetas explicit betas, replacing the schedule (none)
 * @param predictionType what the model predicts ({@code epsilon}; {@code sample} is not supported)
 * @param timestepSpacing how inference timesteps are spread ({@code linspace})
 * @param stepsOffset added to the {@code leading} timesteps (0)
 * @param rescaleBetasZeroSnr rescale the betas to zero terminal SNR (false)
 */
public record EulerAncestralDiscreteSchedulerConfig(Integer numTrainTimesteps, Double betaStart, Double betaEnd,
                                                    BetaSchedule betaSchedule, List<Double> trainedBetas,
                                                    PredictionType predictionType, TimestepSpacing timestepSpacing,
                                                    Integer stepsOffset, Boolean rescaleBetasZeroSnr) {

    public EulerAncestralDiscreteSchedulerConfig {
        numTrainTimesteps = numTrainTimesteps != null ? numTrainTimesteps : 1000;
        betaStart = betaStart != null ? betaStart : 0.0001;
        betaEnd = betaEnd != null ? betaEnd : 0.02;
        betaSchedule = betaSchedule != null ? betaSchedule : BetaSchedule.LINEAR;
        trainedBetas = trainedBetas != null ? List.copyOf(trainedBetas) : null;
        predictionType = predictionType != null ? predictionType : PredictionType.EPSILON;
        timestepSpacing = timestepSpacing != null ? timestepSpacing : TimestepSpacing.LINSPACE;
        stepsOffset = stepsOffset != null ? stepsOffset : 0;
        rescaleBetasZeroSnr = rescaleBetasZeroSnr != null ? rescaleBetasZeroSnr : false;
    }

    /** diffusers' defaults. */
    public static EulerAncestralDiscreteSchedulerConfig defaults() {
        return new EulerAncestralDiscreteSchedulerConfig(null, null, null, null, null, null, null, null, null);
    }
}
