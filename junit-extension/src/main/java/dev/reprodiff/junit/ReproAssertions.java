package dev.reprodiff.junit;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * AssertJ entry points for tensors:
 *
 * <pre>{@code
 * import static dev.reprodiff.junit.ReproAssertions.assertThatTensor;
 *
 * assertThatTensor(latents).as("DDIMPipeline tiny, 2 steps").matchesGolden("ddim/tiny-2-steps");
 * assertThatTrajectory(stepLatents).matchesGolden("ddim/tiny-trajectory");
 * }</pre>
 *
 * The tensor is copied to the heap (as float32) when the assertion is created. Golden assertions need the test class
 * to be annotated {@link Goldens}, {@link Seeded} or {@link Deterministic}.
 */
public final class ReproAssertions {

    private ReproAssertions() {
    }

    /** Assertions on a float32, float16 or bfloat16 array, on any device. */
    public static TensorAssert assertThatTensor(NDArray actual) {
        return new TensorAssert(ActualTensor.of(actual, false));
    }

    /** Assertions on a float32 tensor held in a row-major array of shape {@code shape}. */
    public static TensorAssert assertThatTensor(float[] data, long... shape) {
        return new TensorAssert(ActualTensor.of(data, shape, false));
    }

    /** Assertions on a denoising trajectory, one array per step; mismatches name the first diverging step. */
    public static TensorAssert assertThatTrajectory(List<NDArray> steps) {
        return new TensorAssert(ActualTensor.trajectory(steps));
    }

    /** Assertions on a trajectory stacked steps first, shape {@code (steps, ...)}. */
    public static TensorAssert assertThatTrajectory(NDArray stepsFirst) {
        return new TensorAssert(ActualTensor.of(stepsFirst, true));
    }

    /** Assertions on a trajectory held in a row-major array of shape {@code (steps, ...)}. */
    public static TensorAssert assertThatTrajectory(float[] data, long... shape) {
        return new TensorAssert(ActualTensor.of(data, shape, true));
    }
}
