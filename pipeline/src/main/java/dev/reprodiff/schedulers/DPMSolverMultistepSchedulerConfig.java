package dev.reprodiff.schedulers;

import java.util.List;

/**
 * The keys of a {@code DPMSolverMultistepScheduler} {@code scheduler_config.json}. A key missing from the file
 * arrives as {@code null} and takes diffusers' default.
 *
 * @param numTrainTimesteps T, the number of training diffusion steps (1000)
 * @param betaStart the first beta (0.0001)
 * @param betaEnd the last beta (0.02)
 * @param betaSchedule how the betas are laid out ({@code linear})
 * @param trainedBetas explicit betas, replacing the schedule (none)
 * @param solverOrder the order of the multistep solver, 1 to 3 (2)
 * @param predictionType what the model predicts ({@code epsilon})
 * @param thresholding dynamic thresholding of x_0 (false)
 * @param dynamicThresholdingRatio the quantile of |x_0| used by thresholding (0.995)
 * @param sampleMaxValue the largest threshold (1.0)
 * @param algorithmType the solver ({@code dpmsolver++})
 * @param solverType the second-order update ({@code midpoint})
 * @param lowerOrderFinal use lower orders for the last steps of short runs (true)
 * @param eulerAtFinal a first-order last step (false)
 * @param useKarrasSigmas space the sigmas as Karras et al. (2022) do (false)
 * @param useLuLambdas space the steps uniformly in log-sigma, as Lu et al. do (false)
 * @param finalSigmasType the noise level after the last step ({@code zero})
 * @param lambdaMinClipped the smallest log-SNR lambda the schedule reaches (-infinity: no clipping)
 * @param varianceType whether the model also predicts a variance; "learned" and "learned_range" are not supported,
 *        other values (a DDPM config's "fixed_large") are ignored as diffusers ignores them
 * @param timestepSpacing how inference timesteps are spread ({@code linspace})
 * @param stepsOffset added to the {@code leading} timesteps (0)
 * @param rescaleBetasZeroSnr rescale the betas to zero terminal SNR (false)
 */
public record DPMSolverMultistepSchedulerConfig(Integer numTrainTimesteps, Double betaStart, Double betaEnd,
                                                BetaSchedule betaSchedule, List<Double> trainedBetas,
                                                Integer solverOrder, PredictionType predictionType,
                                                Boolean thresholding, Double dynamicThresholdingRatio,
                                                Double sampleMaxValue, AlgorithmType algorithmType,
                                                SolverType solverType, Boolean lowerOrderFinal,
                                                Boolean eulerAtFinal, Boolean useKarrasSigmas,
                                                Boolean useLuLambdas, FinalSigmasType finalSigmasType,
                                                Double lambdaMinClipped, String varianceType,
                                                TimestepSpacing timestepSpacing, Integer stepsOffset,
                                                Boolean rescaleBetasZeroSnr) {

    public DPMSolverMultistepSchedulerConfig {
        numTrainTimesteps = numTrainTimesteps != null ? numTrainTimesteps : 1000;
        betaStart = betaStart != null ? betaStart : 0.0001;
        betaEnd = betaEnd != null ? betaEnd : 0.02;
        betaSchedule = betaSchedule != null ? betaSchedule : BetaSchedule.LINEAR;
        trainedBetas = trainedBetas != null ? List.copyOf(trainedBetas) : null;
        solverOrder = solverOrder != null ? solverOrder : 2;
        predictionType = predictionType != null ? predictionType : PredictionType.EPSILON;
        thresholding = thresholding != null ? thresholding : false;
        dynamicThresholdingRatio = dynamicThresholdingRatio != null ? dynamicThresholdingRatio : 0.995;
        sampleMaxValue = sampleMaxValue != null ? sampleMaxValue : 1.0;
        algorithmType = algorithmType != null ? algorithmType : AlgorithmType.DPMSOLVER_PLUS_PLUS;
        solverType = solverType != null ? solverType : SolverType.MIDPOINT;
        lowerOrderFinal = lowerOrderFinal != null ? lowerOrderFinal : true;
        eulerAtFinal = eulerAtFinal != null ? eulerAtFinal : false;
        useKarrasSigmas = useKarrasSigmas != null ? useKarrasSigmas : false;
        useLuLambdas = useLuLambdas != null ? useLuLambdas : false;
        finalSigmasType = finalSigmasType != null ? finalSigmasType : FinalSigmasType.ZERO;
        lambdaMinClipped = lambdaMinClipped != null ? lambdaMinClipped : Double.NEGATIVE_INFINITY;
        timestepSpacing = timestepSpacing != null ? timestepSpacing : TimestepSpacing.LINSPACE;
        stepsOffset = stepsOffset != null ? stepsOffset : 0;
        rescaleBetasZeroSnr = rescaleBetasZeroSnr != null ? rescaleBetasZeroSnr : false;
    }

    /** diffusers' defaults. */
    public static DPMSolverMultistepSchedulerConfig defaults() {
        return new DPMSolverMultistepSchedulerConfig(null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
