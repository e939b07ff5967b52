package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** diffusers' {@code Upsample2D} with a convolution: nearest-neighbour upsampling by 2, then a 3x3 convolution. */
final class Upsample2D {

    private static final int NEAREST = 0;

    private final Layers.Conv2d conv;

    Upsample2D(ParameterTable.Scope scope, int channels) {
        this.conv = new Layers.Conv2d(scope.child("conv"), channels, channels, 3, 1, 1);
    }

    NDArray forward(NDArray x) {
        return forward(x, null);
    }

    /**
     * Nearest-neighbour upsampling to {@code outputSize} (height, width), or by 2 when it is {@code null}, as
     * {@code F.interpolate(x, size=output_size, mode="nearest")}; then the convolution.
     */
    NDArray forward(NDArray x, long[] outputSize) {
        Shape shape = x.getShape();
        long[] size = outputSize != null ? outputSize : new long[] {shape.get(2) * 2, shape.get(3) * 2};
        NDArray upsampled = x.getNDArrayInternal().interpolation(size, NEAREST, false);
        return conv.forward(upsampled);
    }
}
