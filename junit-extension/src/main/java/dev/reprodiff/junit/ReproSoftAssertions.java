package dev.reprodiff.junit;

import ai.djl.ndarray.NDArray;
import org.assertj.core.api.SoftAssertions;

import java.util.List;

/**
 * AssertJ's {@link SoftAssertions} plus the tensor entry points of {@link ReproAssertions}: failures are collected
 * and reported together by {@code assertAll()} (or by AssertJ's {@code SoftAssertionsExtension}, which injects it):
 *
 * <pre>{@code
 * ReproSoftAssertions softly = new ReproSoftAssertions();
 * softly.assertThatTensor(latents).hasShape(1, 4, 64, 64);
 * softly.assertThatTensor(latents).isCloseTo(expected, 1e-5, 1.3e-6);
 * softly.assertAll();
 * }</pre>
 */
public class ReproSoftAssertions extends SoftAssertions {

    /** Soft assertions on a float32, float16 or bfloat16 array, on any device. */
    public TensorAssert assertThatTensor(NDArray actual) {
        return soft(ActualTensor.of(actual, false));
    }

    /** Soft assertions on a float32 tensor held in a row-major array of shape {@code shape}. */
    public TensorAssert assertThatTensor(float[] data, long... shape) {
        return soft(ActualTensor.of(data, shape, false));
    }

    /** Soft assertions on a denoising trajectory, one array per step. */
    public TensorAssert assertThatTrajectory(List<NDArray> steps) {
        return soft(ActualTensor.trajectory(steps));
    }

    /** Soft assertions on a trajectory stacked steps first, shape {@code (steps, ...)}. */
    public TensorAssert assertThatTrajectory(NDArray stepsFirst) {
        return soft(ActualTensor.of(stepsFirst, true));
    }

    private TensorAssert soft(ActualTensor actual) {
        return proxy(TensorAssert.class, ActualTensor.class, actual);
    }
}
