package dev.reprodiff.junit;

/**
 * Assertions on a tensor, created by {@link ReproAssertions#assertThatTensor} (and, collecting failures instead of
 * throwing them, by {@link ReproSoftAssertions}). Extend {@link AbstractTensorAssert} for assertions of your own.
 */
public class TensorAssert extends AbstractTensorAssert<TensorAssert> {

    /** @param actual the tensor under test */
    public TensorAssert(ActualTensor actual) {
        super(actual, TensorAssert.class);
    }
}
