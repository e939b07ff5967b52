package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.random.Generator;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a model's weights file and checks it against the parameters the model declares. */
final class ModelWeights {

    private ModelWeights() {
    }

    /**
     * Every tensor of a safetensors file by name, in file order, on {@code manager}. The only place that reads
     * weight files. The project's own reader maps the file and copies one tensor at a time into engine memory, so
     * loading a checkpoint of several GiB needs no more heap than its header.
     */
    static Map<String, NDArray> readSafetensors(Path file, NDManager manager) {
        try {
            return SafeTensors.load(file, manager);
        } catch (NoSuchFileException e) {
            throw new WeightsException("Weights file not found: " + file, e);
        } catch (IOException | RuntimeException e) {
            throw new WeightsException("Cannot read weights file " + file + " as safetensors (truncated or"
                    + " corrupt?): " + e, e);
        }
    }

    /**
     * Binds {@code weights} to the declared parameters after checking that the names match exactly and every shape
     * agrees; otherwise a {@link WeightsException} lists all missing and unexpected names and shape mismatches.
     * Floating-point weights of another precision are converted to float32.
     */
    static void bind(ParameterTable table, Map<String, NDArray> weights, String source) {
        Map<String, Parameter> parameters = table.parameters();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Parameter parameter : parameters.values()) {
            NDArray array = weights.get(parameter.name());
            if (array == null) {
                missing.add(parameter.name());
            } else if (!array.getShape().equals(parameter.shape())) {
                mismatched.add(parameter.name() + ": expected " + parameter.shape() + " but the file has "
                        + array.getShape());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : weights.keySet()) {
            if (!parameters.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
            throw new WeightsException(describe(source, parameters.size(), weights.size(), missing, unexpected,
                    mismatched));
        }
        for (Parameter parameter : parameters.values()) {
            parameter.bind(asFloat32(weights.get(parameter.name()), parameter.name(), source));
        }
    }

    private static NDArray asFloat32(NDArray array, String name, String source) {
        DataType type = array.getDataType();
        if (type == DataType.FLOAT32) {
            return array;
        }
        if (!type.isFloating()) {
            throw new WeightsException("Parameter " + name + " in " + source + " has dtype " + type
                    + "; expected a floating-point tensor");
        }
        NDArray converted = array.toType(DataType.FLOAT32, false);
        converted.setName(name);
        array.close();
        return converted;
    }

    private static String describe(String source, int expected, int found, List<String> missing,
                                   List<String> unexpected, List<String> mismatched) {
        StringBuilder message = new StringBuilder("Weights in ").append(source)
                .append(" do not match the model built from its config (").append(expected)
                .append(" parameters expected, ").append(found).append(" in the file):");
        appendList(message, "missing", missing);
        appendList(message, "unexpected", unexpected);
        appendList(message, "shape mismatch", mismatched);
        return message.toString();
    }

    private static void appendList(StringBuilder message, String what, List<String> items) {
        if (!items.isEmpty()) {
            message.append("\n  ").append(items.size()).append(' ').append(what).append(": ")
                    .append(String.join(", ", items));
        }
    }

    /**
     * One parameter drawn from {@code generator} as PyTorch initialises it by default: uniform in ±1/sqrt(fan_in),
     * norms (modules whose weight is a vector) at identity. One parameter at a time passes through the heap.
     */
    static NDArray uniformInit(String name, Shape shape, Map<String, Shape> shapes, Generator generator,
                               NDManager manager) {
        String module = name.substring(0, name.lastIndexOf('.'));
        Shape weight = shapes.get(module + ".weight");
        if (weight.dimension() == 1) {
            return name.endsWith(".weight") ? manager.ones(shape) : manager.zeros(shape);
        }
        double bound = 1 / Math.sqrt((double) weight.size() / weight.get(0));
        // (2u - 1) * bound as Java computes it on float u: 2u - 1 exactly in float32, the product in double, rounded
        // to float32. Drawn and computed in engine memory, so that no Java array or direct buffer per weight piles
        // up until a garbage collection (it did: gigabytes of resident memory while SD 1.5's weights were drawn).
        try (NDArray uniform = generator.rand(manager, shape);
             NDArray twice = uniform.mul(2);
             NDArray centered = twice.sub(1);
             NDArray wide = centered.toType(DataType.FLOAT64, false);
             NDArray scaled = wide.mul(bound)) {
            return scaled.toType(DataType.FLOAT32, false);
        }
    }

    /** The number of elements of every declared parameter. */
    static long count(Map<String, Shape> shapes) {
        return shapes.values().stream().mapToLong(Shape::size).sum();
    }
}
