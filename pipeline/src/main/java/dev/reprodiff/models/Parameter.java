package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** One named weight of a model: declared with its shape when the model is built, bound to an array when loaded. */
final class Parameter {

    private final String name;
    private final Shape shape;
    private NDArray array;

    Parameter(String name, Shape shape) {
        this.name = name;
        this.shape = shape;
    }

    String name() {
        return name;
    }

    Shape shape() {
        return shape;
    }

    NDArray array() {
        if (array == null) {
            throw new IllegalStateException("Parameter " + name + " has no weights bound");
        }
        return array;
    }

    void bind(NDArray value) {
        array = value;
    }
}
