package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;

/**
 * Called after every denoising step with the new sample x_{t-1}, as diffusers' {@code callback(step, timestep,
 * latents)}. The array is the pipeline's: read it (or copy it) during the call, and do not close it.
 */
@FunctionalInterface
public interface StepCallback {

    /**
     * Called once when the call has set its timesteps, before the first step: the timesteps its steps will visit
     * (a progress bar's total is their number). Does nothing unless overridden.
     */
    default void onStart(double[] timesteps) {
    }

    /**
     * @param stepIndex 0 for the first step
     * @param timestep the step's timestep t
     * @param latents the sample after the step
     */
    void onStep(int stepIndex, double timestep, NDArray latents);
}
