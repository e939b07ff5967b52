package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The result of {@link Scheduler#step}.
 *
 * @param prevSample the sample at the previous timestep, x_{t-1}
 * @param predOriginalSample the predicted denoised sample x_0, or {@code null} where diffusers returns none
 */
public record SchedulerOutput(NDArray prevSample, NDArray predOriginalSample) {
}
