package dev.reprodiff.junit;

import ai.djl.ndarray.NDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * The goldens of one test invocation, injected into test methods of classes annotated {@link Goldens},
 * {@link Seeded} or {@link Deterministic}:
 *
 * <pre>{@code
 * @Test
 * @Seeded(0)
 * void ddimTwoSteps(Generator generator, Golden golden) {
 *     NDArray latents = pipeline.call(generator, 2);
 *     golden.verify("ddim/two-steps", latents);
 * }
 * }</pre>
 *
 * {@link ReproAssertions#assertThatTensor} {@code .matchesGolden(name)} does the same in AssertJ's style. See
 * {@link Goldens} for modes, layout and configuration.
 */
public final class Golden {

    private final GoldenSession session;

    Golden(GoldenSession session) {
        this.session = session;
    }

    /** Compares {@code actual} with golden {@code name} (or records it); fails with a full report on a mismatch. */
    public void verify(String name, NDArray actual) {
        session.verify(name, ActualTensor.of(actual, false), null);
    }

    /** Compares a float32 tensor held in a row-major array of shape {@code shape} with golden {@code name}. */
    public void verify(String name, float[] data, long... shape) {
        session.verify(name, ActualTensor.of(data, shape, false), null);
    }

    /**
     * Compares a denoising trajectory (one tensor per step, for example collected by a pipeline callback) with
     * golden {@code name}; a mismatch names the first step that leaves tolerance and the L-infinity of every step.
     */
    public void verifyTrajectory(String name, List<NDArray> steps) {
        session.verify(name, ActualTensor.trajectory(steps), null);
    }

    /** Compares a trajectory stacked steps first, shape {@code (steps, ...)}. */
    public void verifyTrajectory(String name, NDArray stepsFirst) {
        session.verify(name, ActualTensor.of(stepsFirst, true), null);
    }

    /** Records an output for {@code @Deterministic(repeat = ...)} to compare between runs, without a golden. */
    public void capture(String name, NDArray output) {
        session.capture(name, ActualTensor.of(output, false));
    }

    /** Records a float32 output held in an array, for {@code @Deterministic(repeat = ...)}. */
    public void capture(String name, float[] data, long... shape) {
        session.capture(name, ActualTensor.of(data, shape, false));
    }

    /**
     * Records a pipeline setting (such as {@code num_inference_steps}) in the manifest of every golden this test
     * records, as provenance.
     *
     * @return this object
     */
    public Golden setting(String key, Object value) {
        session.setting(key, value);
        return this;
    }

    /** The golden folder ({@value Goldens#DIR_PROPERTY}). */
    public Path directory() {
        return session.directory();
    }
}
