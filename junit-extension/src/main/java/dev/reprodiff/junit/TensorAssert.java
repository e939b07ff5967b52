package dev.reprodiff.junit;

import dev.reprodiff.io.FloatTensor;
import org.assertj.core.api.AbstractAssert;

import java.util.Arrays;

/**
 * Assertions on a tensor, created by {@link ReproAssertions#assertThatTensor}. Describe it with {@code as(...)}: the
 * description opens a failure message, as in {@code [DDIMPipeline tiny, step 3 of 10, @Seeded(0)]}.
 */
public final class TensorAssert extends AbstractAssert<TensorAssert, FloatTensor> {

    private final ActualTensor tensor;

    TensorAssert(ActualTensor tensor) {
        super(new FloatTensor(tensor.shape(), tensor.data()), TensorAssert.class);
        this.tensor = tensor;
    }

    /**
     * Verifies that the tensor matches golden {@code name} within the tolerance for the platform it was recorded
     * on (or records it, as {@value Goldens#MODE_PROPERTY} says). For a trajectory, a mismatch names the first step
     * that leaves tolerance.
     */
    public TensorAssert matchesGolden(String name) {
        GoldenSession.current().verify(name, tensor, info.descriptionText());
        return myself;
    }

    /** Verifies the tensor's shape. */
    public TensorAssert hasShape(long... shape) {
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw failure("%nExpecting actual:%n  %s%nto have shape:%n  %s", tensor.summary(),
                    ActualTensor.format(shape));
        }
        return myself;
    }
}
