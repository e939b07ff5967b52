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
        Shape shape = x.getShape();
        NDArray upsampled = x.getNDArrayInternal()
                .interpolation(new long[] {shape.get(2) * 2, shape.get(3) * 2}, NEAREST, false);
        return conv.forward(upsampled);
    }
}
