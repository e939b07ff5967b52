package dev.reprodiff.schedulers;

import java.util.List;

/**
 * The keys of a {@code DDIMScheduler} {@code scheduler_config.json}. A key missing from the file arrives as
 * {@code null} and takes diffusers' default.
 *
 * @param numTrainTimesteps T, the number of training diffusion steps (1000)
 * @param betaStart the first beta (0.0001)
 * @param betaEnd the last beta (0.02)
 * @param betaSchedule how the betas are laid out ({@code linear})
 * @param trainedBetas explicit betas, replacing the schedule (none)
 * @param clipSample clip the predicted x_0 to {@code [-clipSampleRange, clipSampleRange]} (true)
 * @param setAlphaToOne the last step's previous alpha product is 1 rather than alphas_cumprod[0] (true)
 * @param stepsOffset added to the {@code leading} timesteps (0)
 * @param predictionType what the model predicts ({@code epsilon})
 * @param thresholding dynamic thresholding of x_0 instead of clipping (false)
 * @param dynamicThresholdingRatio the quantile of |x_0| used by thresholding (0.995)
 * @param clipSampleRange the clipping bound (1.0)
 * @param sampleMaxValue the largest threshold (1.0)
 * @param timestepSpacing how inference timesteps are spread ({@code leading})
 * @param rescaleBetasZeroSnr rescale the betas to zero terminal SNR (false)
 */
public record DDIMSchedulerConfig(Integer numTrainTimesteps, Double betaStart, Double betaEnd,
                                  BetaSchedule betaSchedule, List<Double> trainedBetas, Boolean clipSample,
                                  Boolean setAlphaToOne, Integer stepsOffset, PredictionType predictionType,
                                  Boolean thresholding, Double dynamicThresholdingRatio, Double clipSampleRange,
                                  Double sampleMaxValue, TimestepSpacing timestepSpacing,
                                  Boolean rescaleBetasZeroSnr) {

    public DDIMSchedulerConfig {
        numTrainTimesteps = numTrainTimesteps != null ? numTrainTimesteps : 1000;
        betaStart = betaStart != null ? betaStart : 0.0001;
        betaEnd = betaEnd != null ? betaEnd : 0.02;
        betaSchedule = betaSchedule != null ? betaSchedule : BetaSchedule.LINEAR;
        trainedBetas = trainedBetas != null ? List.copyOf(trainedBetas) : null;
        clipSample = clipSample != null ? clipSample : true;
        setAlphaToOne = setAlphaToOne != null ? setAlphaToOne : true;
        stepsOffset = stepsOffset != null ? stepsOffset : 0;
        predictionType = predictionType != null ? predictionType : PredictionType.EPSILON;
        thresholding = thresholding != null ? thresholding : false;
        dynamicThresholdingRatio = dynamicThresholdingRatio != null ? dynamicThresholdingRatio : 0.995;
        clipSampleRange = clipSampleRange != null ? clipSampleRange : 1.0;
        sampleMaxValue = sampleMaxValue != null ? sampleMaxValue : 1.0;
        timestepSpacing = timestepSpacing != null ? timestepSpacing : TimestepSpacing.LEADING;
        rescaleBetasZeroSnr = rescaleBetasZeroSnr != null ? rescaleBetasZeroSnr : false;
    }

    /** diffusers' defaults. */
    public static DDIMSchedulerConfig defaults() {
        return new DDIMSchedulerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }
}
