package dev.reprodiff.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;
import java.util.Objects;

/**
 * Noise for diffusion pipelines with the semantics of diffusers' {@code randn_tensor}: one generator draws the whole
 * batch at once; a list of generators draws one {@code (1, ...)} slice per generator and stacks them, so that image
 * {@code i} of a batch equals the same image generated alone with generator {@code i}.
 */
public final class RandomTensors {

    private RandomTensors() {
    }

    /** {@code randn_tensor(shape, generator)}: the whole batch from one generator, on {@code manager}. */
    public static NDArray randnTensor(Shape shape, Generator generator, DataType dataType, NDManager manager) {
        Objects.requireNonNull(generator, "generator");
        return generator.randn(manager, shape, dataType);
    }

    /**
     * {@code randn_tensor(shape, [g0, g1, ...])}: one generator per batch item, each drawing a {@code (1, ...)}
     * slice, concatenated along the batch axis.
     *
     * @throws IllegalArgumentException if the list's length is not the batch size {@code shape.get(0)}
     */
    public static NDArray randnTensor(Shape shape, List<Generator> generators, DataType dataType,
                                      NDManager manager) {
        Objects.requireNonNull(generators, "generators");
        requireOneGeneratorPerImage(shape, generators.size());
        Shape slice = new Shape(1).addAll(shape.slice(1));
        if (generators.size() == 1) {
            return randnTensor(slice, generators.get(0), dataType, manager);
        }
        try (NDManager scratch = manager.newSubManager()) {
            NDList slices = new NDList(generators.size());
            for (Generator generator : generators) {
                slices.add(Objects.requireNonNull(generator, "generators contains null")
                        .randn(scratch, slice, dataType));
            }
            NDArray batch = NDArrays.concat(slices);
            batch.attach(manager);
            return batch;
        }
    }

    /**
     * Draws one slice per generator into a plain array, for code without an engine: the same numbers as
     * {@link #randnTensor(Shape, List, DataType, NDManager)} with float32, in row-major order.
     */
    public static float[] randnFloats(long[] shape, List<Generator> generators) {
        Shape full = new Shape(shape);
        requireOneGeneratorPerImage(full, generators.size());
        int sliceSize = Math.toIntExact(full.size() / shape[0]);
        float[] out = new float[Math.toIntExact(full.size())];
        float[] slice = new float[sliceSize];
        for (int i = 0; i < generators.size(); i++) {
            generators.get(i).randn(slice);
            System.arraycopy(slice, 0, out, i * sliceSize, sliceSize);
        }
        return out;
    }

    /** Fails unless {@code shape}'s batch size equals the number of generators. */
    public static void requireOneGeneratorPerImage(Shape shape, int generators) {
        if (shape.dimension() == 0 || shape.get(0) != generators) {
            throw new IllegalArgumentException("A list of " + generators + " generators draws one image each,"
                    + " but the batch size of shape " + shape + " is "
                    + (shape.dimension() == 0 ? "undefined (a scalar shape)" : shape.get(0))
                    + ". Pass one generator per image, or a single generator for the whole batch.");
        }
    }
}
