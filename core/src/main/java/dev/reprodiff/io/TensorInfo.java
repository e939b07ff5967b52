package dev.reprodiff.io;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Objects;

/**
 * One tensor as a safetensors header describes it: its name, data type, shape, and where its bytes lie.
 *
 * <p>{@code begin} and {@code end} are the header's {@code data_offsets}: byte offsets into the data section, which
 * starts right after the header (at {@link SafeTensorsHeader#dataStart()} in the file). The bytes are little-endian
 * and row-major, {@code end - begin} of them: the number of elements times the item size.
 *
 * @param name the tensor's key in the header
 * @param dtype the element type ({@code F32} is {@link DataType#FLOAT32}, {@code BF16} is {@link DataType#BFLOAT16})
 * @param shape the dimensions; an empty shape is a scalar
 * @param begin the offset of the first byte in the data section
 * @param end the offset just past the last byte in the data section
 */
public record TensorInfo(String name, DataType dtype, Shape shape, long begin, long end) {

    /**
     * Creates a tensor description; {@link SafeTensors#readHeader} creates validated ones.
     *
     * @param name the tensor's key in the header
     * @param dtype the element type
     * @param shape the dimensions
     * @param begin the offset of the first byte in the data section
     * @param end the offset just past the last byte in the data section
     */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
    }

    /**
     * Returns the number of bytes the tensor occupies.
     *
     * @return {@code end - begin}
     */
    public long byteLength() {
        return end - begin;
    }

    /**
     * Returns the dtype as the header spells it.
     *
     * @return the safetensors name of {@link #dtype()}, such as {@code "F32"}
     */
    public String dtypeName() {
        return Dtypes.name(dtype);
    }

    @Override
    public String toString() {
        return name + " " + dtypeName() + SafeTensorsHeader.format(shape) + " at [" + begin + ", " + end + ")";
    }
}
