package dev.reprodiff.junit;

import dev.reprodiff.io.FloatTensor;
import org.assertj.core.api.AbstractAssert;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assertions on a tensor, created by {@link ReproAssertions#assertThatTensor}. Describe it with {@code as(...)}: the
 * description opens a failure message, as in {@code [DDIMPipeline tiny, step 3 of 10, @Seeded(0)]}.
 */
public final class TensorAssert extends AbstractAssert<TensorAssert, FloatTensor> {

    private final ActualTensor tensor;
    private final Map<String, String> settings = new TreeMap<>();

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
        GoldenSession.current().verify(name, tensor, info.descriptionText(), settings);
        return myself;
    }

    /** Records a pipeline setting (such as {@code eta}) in the manifest when this assertion records its golden. */
    public TensorAssert withSetting(String key, Object value) {
        settings.put(key, String.valueOf(value));
        return myself;
    }

    /**
     * Verifies that every element is within {@code |actual - expected| <= atol + rtol * |expected|} of
     * {@code expected} (a row-major array of the same number of elements), as {@code torch.testing.assert_close}
     * does; no golden is involved.
     */
    public TensorAssert isCloseTo(float[] expected, double atol, double rtol) {
        if (expected.length != tensor.data().length) {
            throw failure("%nExpecting actual:%n  %s%nto be close to %d elements, but it has %d", tensor.summary(),
                    expected.length, tensor.data().length);
        }
        if (TensorComparison.countMismatches(tensor.data(), expected, atol, rtol) > 0) {
            Tolerance tolerance = new Tolerance(atol, rtol, "given");
            TensorComparison.Result result = TensorComparison.compare(tensor.data(), expected, atol, rtol);
            throw new org.opentest4j.AssertionFailedError(GoldenMessages.notClose(info.descriptionText(), tensor,
                    expected, tolerance, result), GoldenMessages.summary(tensor, expected, result.maxAbsIndex()),
                    GoldenMessages.summary(tensor, tensor.data(), result.maxAbsIndex()));
        }
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
