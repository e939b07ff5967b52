package dev.reprodiff.schedulers;

import java.util.List;

/**
 * The keys of a {@code PNDMScheduler} {@code scheduler_config.json}. A key missing from the file arrives as
 * {@code null} and takes diffusers' default.
 *
 * @param numTrainTimesteps T, the number of training diffusion steps (1000)
 * @param betaStart the first beta (0.0001)
 * @param betaEnd the last beta (0.02)
 * @param betaSchedule how the betas are laid out ({@code linear})
 * @param trainedBetas explicit betas, replacing the schedule (none)
 * @param skipPrkSteps start with linear multistep (PLMS) steps instead of Runge-Kutta (PRK) ones (false)
 * @param setAlphaToOne the last step's previous alpha product is 1 rather than alphas_cumprod[0] (false)
 * @param predictionType what the model predicts ({@code epsilon}; {@code sample} is not supported)
 * @param timestepSpacing how inference timesteps are spread ({@code leading})
 * @param stepsOffset added to the {@code leading} timesteps (0)
 */
public record PNDMSchedulerConfig(Integer numTrainTimesteps, Double betaStart, Double betaEnd,
                                  BetaSchedule betaSchedule, List<Double> trainedBetas, Boolean skipPrkSteps,
                                  Boolean setAlphaToOne, PredictionType predictionType,
                                  TimestepSpacing timestepSpacing, Integer stepsOffset) {

    public PNDMSchedulerConfig {
        numTrainTimesteps = numTrainTimesteps != null ? numTrainTimesteps : 1000;
        betaStart = betaStart != null ? betaStart : 0.0001;
        betaEnd = betaEnd != null ? betaEnd : 0.02;
        betaSchedule = betaSchedule != null ? betaSchedule : BetaSchedule.LINEAR;
        trainedBetas = trainedBetas != null ? List.copyOf(trainedBetas) : null;
        skipPrkSteps = skipPrkSteps != null ? skipPrkSteps : false;
        setAlphaToOne = setAlphaToOne != null ? setAlphaToOne : false;
        predictionType = predictionType != null ? predictionType : PredictionType.EPSILON;
        timestepSpacing = timestepSpacing != null ? timestepSpacing : TimestepSpacing.LEADING;
        stepsOffset = stepsOffset != null ? stepsOffset : 0;
    }

    /** diffusers' defaults. */
    public static PNDMSchedulerConfig defaults() {
        return new PNDMSchedulerConfig(null, null, null, null, null, null, null, null, null, null);
    }
}
