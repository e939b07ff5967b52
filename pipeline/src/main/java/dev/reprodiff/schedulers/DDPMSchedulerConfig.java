package dev.reprodiff.schedulers;

import java.util.List;

/**
 * The keys of a {@code DDPMScheduler} {@code scheduler_config.json}. A key missing from the file arrives as
 * {@code null} and takes diffusers' default.
 *
 * @param numTrainTimesteps T, the number of training diffusion steps (1000)
 * @param betaStart the first beta (0.0001)
 * @param betaEnd the last beta (0.02)
 * @param betaSchedule how the betas are laid out ({@code linear})
 * @param trainedBetas explicit betas, replacing the schedule (none)
 * @param varianceType the variance of the noise added at each step ({@code fixed_small})
 * @param clipSample clip the predicted x_0 to {@code [-clipSampleRange, clipSampleRange]} (true)
 * @param predictionType what the model predicts ({@code epsilon})
 * @param thresholding dynamic thresholding of x_0 instead of clipping (false)
 * @param dynamicThresholdingRatio the quantile of |x_0| used by thresholding (0.995)
 * @param clipSampleRange the clipping bound (1.0)
 * @param sampleMaxValue the largest threshold (1.0)
 * @param timestepSpacing how inference timesteps are spread ({@code leading})
 * @param stepsOffset added to the {@code leading} timesteps (0)
 * @param rescaleBetasZeroSnr rescale the betas to zero terminal SNR (false)
 */
public record DDPMSchedulerConfig(Integer numTrainTimesteps, Double betaStart, Double betaEnd,
                                  BetaSchedule betaSchedule, List<Double> trainedBetas, VarianceType varianceType,
                                  Boolean clipSample, PredictionType predictionType, Boolean thresholding,
                                  Double dynamicThresholdingRatio, Double clipSampleRange, Double sampleMaxValue,
                                  TimestepSpacing timestepSpacing, Integer stepsOffset,
                                  Boolean rescaleBetasZeroSnr) {

    public DDPMSchedulerConfig {
        numTrainTimesteps = numTrainTimesteps != null ? numTrainTimesteps : 1000;
        betaStart = betaStart != null ? betaStart : 0.0001;
        betaEnd = betaEnd != null ? betaEnd : 0.02;
        betaSchedule = betaSchedule != null ? betaSchedule : BetaSchedule.LINEAR;
        trainedBetas = trainedBetas != null ? List.copyOf(trainedBetas) : null;
        varianceType = varianceType != null ? varianceType : VarianceType.FIXED_SMALL;
        clipSample = clipSample != null ? clipSample : true;
        predictionType = predictionType != null ? predictionType : PredictionType.EPSILON;
        thresholding = thresholding != null ? thresholding : false;
        dynamicThresholdingRatio = dynamicThresholdingRatio != null ? dynamicThresholdingRatio : 0.995;
        clipSampleRange = clipSampleRange != null ? clipSampleRange : 1.0;
        sampleMaxValue = sampleMaxValue != null ? sampleMaxValue : 1.0;
        timestepSpacing = timestepSpacing != null ? timestepSpacing : TimestepSpacing.LEADING;
        stepsOffset = stepsOffset != null ? stepsOffset : 0;
        rescaleBetasZeroSnr = rescaleBetasZeroSnr != null ? rescaleBetasZeroSnr : false;
    }

    /** diffusers' defaults. */
    public static DDPMSchedulerConfig defaults() {
        return new DDPMSchedulerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }
}
