package dev.reprodiff.models;

import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parameters a model declares, in PyTorch's {@code state_dict} order, each under its diffusers name. */
final class ParameterTable {

    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final List<Attention> attentions = new ArrayList<>();

    /** A view of this table under a module prefix ({@code down_blocks.0.}), as nested {@code nn.Module}s name them. */
    Scope scope(String prefix) {
        return new Scope(this, prefix);
    }

    Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    Map<String, Shape> shapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> shapes.put(name, parameter.shape()));
        return Collections.unmodifiableMap(shapes);
    }

    /** Records an attention layer of the model, in construction order (for attention slicing). */
    void register(Attention attention) {
        attentions.add(attention);
    }

    List<Attention> attentions() {
        return Collections.unmodifiableList(attentions);
    }

    Parameter declare(String name, long... shape) {
        Parameter parameter = new Parameter(name, new Shape(shape));
        if (parameters.putIfAbsent(name, parameter) != null) {
            throw new IllegalStateException("Parameter declared twice: " + name);
        }
        return parameter;
    }

    /** A module's place in the table: declares its parameters under its prefix. */
    record Scope(ParameterTable table, String prefix) {

        Parameter declare(String name, long... shape) {
            return table.declare(prefix + name, shape);
        }

        Scope child(String name) {
            return new Scope(table, prefix + name + ".");
        }
    }
}
