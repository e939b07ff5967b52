package dev.reprodiff.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A float32 tensor held in plain Java arrays, for reading and writing safetensors files without an engine (see
 * {@link SafeTensors#saveFloats}). The data is row-major: the last dimension varies fastest.
 *
 * @param shape the dimensions, none negative; an empty shape is a scalar
 * @param data the elements, as many as the product of the dimensions (the array is shared, not copied)
 */
public record FloatTensor(long[] shape, float[] data) {

    /**
     * Creates a tensor, checking that the shape holds exactly the data.
     *
     * @param shape the dimensions, none negative (copied)
     * @param data the elements in row-major order (shared)
     * @throws IllegalArgumentException if a dimension is negative or the shape holds another number of elements
     */
    public FloatTensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("Negative dimension in shape " + SafeTensorsHeader.format(shape));
            }
            count = SafeTensorsHeader.multiplySaturated(count, dim);
        }
        if (count != data.length) {
            throw new IllegalArgumentException("Shape " + SafeTensorsHeader.format(shape) + " does not hold "
                    + data.length + " elements");
        }
        shape = shape.clone();
    }

    /**
     * A one-dimensional tensor.
     *
     * @param data the elements
     * @return a tensor of shape {@code [data.length]} holding {@code data}
     */
    public static FloatTensor of(float... data) {
        return new FloatTensor(new long[] {data.length}, data);
    }

    /**
     * Returns the dimensions.
     *
     * @return a copy of the dimensions
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FloatTensor that && Arrays.equals(shape, that.shape) && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor" + SafeTensorsHeader.format(shape);
    }
}
