package dev.reprodiff.junit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A tensor under test, copied to the heap as float32: its dtype, shape, device, and whether it is a trajectory
 * (steps first). The actual value of {@link AbstractTensorAssert}.
 *
 * @param dtype the dtype it had, such as {@code float32} or {@code bfloat16}
 * @param shape its shape
 * @param data its elements, row-major, widened to float32
 * @param deviceType {@code cpu} or {@code gpu}
 * @param deviceId the device's index
 * @param trajectory whether the first dimension counts denoising steps
 */
public record ActualTensor(String dtype, long[] shape, float[] data, String deviceType, int deviceId, boolean trajectory) {

    /** A copy of {@code array} (float32, float16 or bfloat16, on any device); a trajectory if {@code trajectory}. */
    public static ActualTensor of(NDArray array, boolean trajectory) {
        DataType type = array.getDataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT16 && type != DataType.BFLOAT16) {
            throw new IllegalArgumentException("Goldens hold float32, float16 and bfloat16 tensors, but the tensor is "
                    + type + "; convert it first, for example array.toType(DataType.FLOAT32, false)");
        }
        float[] data;
        if (type == DataType.FLOAT32) {
            data = array.toFloatArray();
        } else {
            try (NDArray widened = array.toType(DataType.FLOAT32, false)) {
                data = widened.toFloatArray();
            }
        }
        return new ActualTensor(type.toString().toLowerCase(Locale.ROOT), array.getShape().getShape(), data,
                array.getDevice().isGpu() ? "gpu" : "cpu", Math.max(array.getDevice().getDeviceId(), 0), trajectory);
    }

    /** A trajectory of per-step tensors, stacked steps first. */
    public static ActualTensor trajectory(List<NDArray> steps) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("A trajectory needs at least one step");
        }
        // Not closing the NDList: that would close the caller's arrays.
        try (NDArray stacked = NDArrays.stack(new NDList(steps.toArray(new NDArray[0])))) {
            return of(stacked, true);
        }
    }

    /** The row-major {@code data} of shape {@code shape}, not copied; a trajectory if {@code trajectory}. */
    public static ActualTensor of(float[] data, long[] shape, boolean trajectory) {
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (count != data.length) {
            throw new IllegalArgumentException("Shape " + format(shape) + " holds " + count + " elements, but the"
                    + " array has " + data.length);
        }
        // Not copied: a 64 MiB latent is compared in place. Captures for repeated runs copy it (see copy()).
        return new ActualTensor("float32", shape.clone(), data, "cpu", 0, trajectory);
    }

    /** A copy that later writes to the caller's array cannot change. */
    ActualTensor copy() {
        return new ActualTensor(dtype, shape.clone(), data.clone(), deviceType, deviceId, trajectory);
    }

    int steps() {
        return trajectory ? (int) shape[0] : 1;
    }

    /** {@code float32[1, 3, 32, 32]}. */
    public String summary() {
        return dtype + format(shape);
    }

    static String format(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** {@code (0, 2, 17, 5)}: a flat row-major index in this shape. */
    static String index(long[] shape, long flat) {
        long[] index = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? flat : flat / shape[d];
        }
        return Arrays.stream(index).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }
}
