package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.function.Supplier;

/** Runs a block's computation in its own {@link NDScope}, so that its intermediates die before the next block runs. */
final class Scoped {

    private Scoped() {
    }

    /**
     * The array {@code body} computes, handed to the enclosing scope; everything else {@code body} created is
     * closed. {@code body} must return a new array, not one of its inputs.
     */
    @SuppressWarnings("try")
    static NDArray keep(Supplier<NDArray> body) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = body.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }
}
