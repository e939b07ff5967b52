package dev.reprodiff.schedulers;

import java.util.List;

/**
 * The keys of an {@code EulerDiscreteScheduler} {@code scheduler_config.json}. A key missing from the file arrives
 * as {@code null} and takes diffusers' default.
 *
 * @param numTrainTimesteps T, the number of training diffusion steps (1000)
 * @param betaStart the first beta (0.0001)
 * @param betaEnd the last beta (0.02)
 * @param betaSchedule how the betas are laid out ({@code linear})
 * @param trainedBetas explicit betas, replacing the schedule (none)
 * @param predictionType what the model predicts ({@code epsilon})
 * @param interpolationType how sigmas are read off the training schedule ({@code linear})
 * @param useKarrasSigmas space the sigmas as Karras et al. (2022) do (false)
 * @param sigmaMin the smallest Karras sigma (none: the schedule's)
 * @param sigmaMax the largest Karras sigma (none: the schedule's)
 * @param timestepSpacing how inference timesteps are spread ({@code linspace})
 * @param timestepType the kind of timesteps passed to the model ({@code discrete})
 * @param stepsOffset added to the {@code leading} timesteps (0)
 * @param rescaleBetasZeroSnr rescale the betas to zero terminal SNR (false)
 * @param finalSigmasType the noise level after the last step ({@code zero})
 */
public record EulerDiscreteSchedulerConfig(Integer numTrainTimesteps, Double betaStart, Double betaEnd,
                                           BetaSchedule betaSchedule, List<Double> trainedBetas,
                                           PredictionType predictionType, InterpolationType interpolationType,
                                           Boolean useKarrasSigmas, Double sigmaMin, Double sigmaMax,
                                           TimestepSpacing timestepSpacing, TimestepType timestepType,
                                           Integer stepsOffset, Boolean rescaleBetasZeroSnr,
                                           FinalSigmasType finalSigmasType) {

    public EulerDiscreteSchedulerConfig {
        numTrainTimesteps = numTrainTimesteps != null ? numTrainTimesteps : 1000;
        betaStart = betaStart != null ? betaStart : 0.0001;
        betaEnd = betaEnd != null ? betaEnd : 0.02;
        betaSchedule = betaSchedule != null ? betaSchedule : BetaSchedule.LINEAR;
        trainedBetas = trainedBetas != null ? List.copyOf(trainedBetas) : null;
        predictionType = predictionType != null ? predictionType : PredictionType.EPSILON;
        interpolationType = interpolationType != null ? interpolationType : InterpolationType.LINEAR;
        useKarrasSigmas = useKarrasSigmas != null ? useKarrasSigmas : false;
        timestepSpacing = timestepSpacing != null ? timestepSpacing : TimestepSpacing.LINSPACE;
        timestepType = timestepType != null ? timestepType : TimestepType.DISCRETE;
        stepsOffset = stepsOffset != null ? stepsOffset : 0;
        rescaleBetasZeroSnr = rescaleBetasZeroSnr != null ? rescaleBetasZeroSnr : false;
        finalSigmasType = finalSigmasType != null ? finalSigmasType : FinalSigmasType.ZERO;
    }

    /** diffusers' defaults. */
    public static EulerDiscreteSchedulerConfig defaults() {
        return new EulerDiscreteSchedulerConfig(null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null);
    }
}
