package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** diffusers' {@code Downsample2D} with a convolution: 3x3, stride 2; padding 0 means pad right and bottom by one. */
final class Downsample2D {

    private final Layers.Conv2d conv;
    private final int padding;

    Downsample2D(ParameterTable.Scope scope, int channels, int padding) {
        this.padding = padding;
        this.conv = new Layers.Conv2d(scope.child("conv"), channels, channels, 3, 2, padding);
    }

    NDArray forward(NDArray x) {
        if (padding == 0) {
            // F.pad(x, (0, 1, 0, 1)); libtorch's order: the last axis first, (left, right) then (top, bottom)
            x = x.pad(new Shape(0, 1, 0, 1), 0);
        }
        return conv.forward(x);
    }
}
