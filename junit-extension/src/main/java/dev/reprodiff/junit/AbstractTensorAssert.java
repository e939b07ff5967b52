package dev.reprodiff.junit;

import ai.djl.ndarray.NDArray;
import org.assertj.core.api.AbstractAssert;
import org.opentest4j.AssertionFailedError;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assertions on a tensor, the base to extend for assertions of your own, as AssertJ's {@code Abstract*Assert}
 * classes are:
 *
 * <pre>{@code
 * public class LatentsAssert extends AbstractTensorAssert<LatentsAssert> {
 *     public LatentsAssert(ActualTensor actual) {
 *         super(actual, LatentsAssert.class);
 *     }
 *
 *     public LatentsAssert isFinite() { ... failWithMessage(...) ...; return myself; }
 * }
 * }</pre>
 *
 * Describe an assertion with {@code as(...)}: the description opens a failure message, as in
 * {@code [DDIMPipeline tiny, step 3 of 10, @Seeded(0)]}. {@code withFailMessage}/{@code overridingErrorMessage}
 * replace the message of every assertion here (the description still opens it, as in AssertJ).
 *
 * @param <SELF> the assertion's own type, returned by every method so that calls chain
 */
public abstract class AbstractTensorAssert<SELF extends AbstractTensorAssert<SELF>>
        extends AbstractAssert<SELF, ActualTensor> {

    private final Map<String, String> settings = new TreeMap<>();

    /**
     * @param actual the tensor under test
     * @param selfType the concrete assertion class
     */
    protected AbstractTensorAssert(ActualTensor actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /**
     * Verifies that the tensor matches golden {@code name} within the tolerance for the platform it was recorded
     * on (or records it, as {@value Goldens#MODE_PROPERTY} says). For a trajectory, a mismatch names the first step
     * that leaves tolerance.
     */
    public SELF matchesGolden(String name) {
        try {
            GoldenSession.current().verify(name, actual, info.descriptionText(), settings);
        } catch (GoldenAssertionError e) {
            String overriding = overridingMessage();
            if (overriding == null) {
                throw fromCaller(e);
            }
            GoldenAssertionError replaced = e.isExpectedDefined()
                    ? new GoldenAssertionError(overriding, String.valueOf(e.getExpected().getValue()),
                    String.valueOf(e.getActual().getValue())) : new GoldenAssertionError(overriding);
            replaced.initCause(e);
            throw fromCaller(replaced);
        }
        return myself;
    }

    /** Records a pipeline setting (such as {@code eta}) in the manifest when this assertion records its golden. */
    public SELF withSetting(String key, Object value) {
        settings.put(key, String.valueOf(value));
        return myself;
    }

    /**
     * Verifies that {@code expected} has the tensor's shape and that every element is within
     * {@code |actual - expected| <= atol + rtol * |expected|} of it, as {@code torch.testing.assert_close} does;
     * no golden is involved.
     */
    public SELF isCloseTo(NDArray expected, double atol, double rtol) {
        return isCloseTo(ActualTensor.of(expected, false), atol, rtol);
    }

    /**
     * Verifies that {@code expected}, a row-major array of shape {@code expectedShape}, has the tensor's shape and
     * is close to it, as {@link #isCloseTo(NDArray, double, double)} says.
     */
    public SELF isCloseTo(float[] expected, long[] expectedShape, double atol, double rtol) {
        return isCloseTo(ActualTensor.of(expected, expectedShape, false), atol, rtol);
    }

    /**
     * Verifies that {@code expected}, a row-major array in the tensor's own shape (so of as many elements), is
     * close to it, as {@link #isCloseTo(NDArray, double, double)} says.
     */
    public SELF isCloseTo(float[] expected, double atol, double rtol) {
        if (expected.length != actual.data().length) {
            throw failure("%nExpecting actual:%n  %s%nto be close to %d elements, but it has %d", actual.summary(),
                    expected.length, actual.data().length);
        }
        return isCloseTo(expected, actual.shape(), atol, rtol);
    }

    private SELF isCloseTo(ActualTensor expected, double atol, double rtol) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            throw failure("%nExpecting actual:%n  %s%nto have the shape of expected:%n  %s%nbut the shapes differ",
                    actual.summary(), expected.summary());
        }
        float[] values = expected.data();
        if (TensorComparison.countMismatches(actual.data(), values, atol, rtol) > 0) {
            TensorComparison.Result result = TensorComparison.compare(actual.data(), values, atol, rtol);
            String overriding = overridingMessage();
            String message = overriding != null ? overriding : GoldenMessages.notClose(info.descriptionText(),
                    actual, values, new Tolerance(atol, rtol, "given"), result);
            throw fromCaller(new AssertionFailedError(message, GoldenMessages.summary(actual, values,
                    result.maxAbsIndex()), GoldenMessages.summary(actual, actual.data(), result.maxAbsIndex())));
        }
        return myself;
    }

    /** Verifies the tensor's shape. */
    public SELF hasShape(long... shape) {
        if (!Arrays.equals(actual.shape(), shape)) {
            throw failure("%nExpecting actual:%n  %s%nto have shape:%n  %s", actual.summary(),
                    ActualTensor.format(shape));
        }
        return myself;
    }

    /**
     * The message set with {@code withFailMessage}/{@code overridingErrorMessage}, opened by the description as
     * AssertJ opens it ({@code [description] message}); null when none was set.
     */
    private String overridingMessage() {
        String overriding = info.overridingErrorMessage();
        if (overriding == null) {
            return null;
        }
        String description = info.descriptionText();
        return description == null || description.isEmpty() ? overriding : "[" + description + "] " + overriding;
    }

    /**
     * {@code error} with the frames of this class (and of AssertJ's soft-assertion proxies) above the caller cut
     * off, as AssertJ cuts its own: a failure points at the test line, and soft assertions report that line.
     */
    private static <E extends Throwable> E fromCaller(E error) {
        StackTraceElement[] frames = error.getStackTrace();
        int caller = 0;
        for (int i = 0; i < frames.length; i++) {
            String type = frames[i].getClassName();
            if (type.equals(AbstractTensorAssert.class.getName()) || type.contains("$ByteBuddy$")) {
                caller = i + 1;
            }
        }
        error.setStackTrace(Arrays.copyOfRange(frames, caller, frames.length));
        return error;
    }
}
