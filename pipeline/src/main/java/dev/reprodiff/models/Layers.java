package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** The torch.nn layers the UNet is built from, as NDArray operations on the PyTorch engine (inference only). */
final class Layers {

    private Layers() {
    }

    /** {@code nn.Conv2d} with a square kernel, bias, equal stride and padding on both axes. */
    static final class Conv2d {

        private final Parameter weight;
        private final Parameter bias;
        private final Shape stride;
        private final Shape padding;

        Conv2d(ParameterTable.Scope scope, long in, long out, int kernel, int stride, int padding) {
            this.weight = scope.declare("weight", out, in, kernel, kernel);
            this.bias = scope.declare("bias", out);
            this.stride = new Shape(stride, stride);
            this.padding = new Shape(padding, padding);
        }

        NDArray forward(NDArray x) {
            return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight.array(), bias.array(), stride, padding,
                    new Shape(1, 1), 1).singletonOrThrow();
        }
    }

    /** {@code nn.Linear} with bias: {@code x @ weight.T + bias} over the last axis. */
    static final class Linear {

        private final Parameter weight;
        private final Parameter bias;

        Linear(ParameterTable.Scope scope, long in, long out) {
            this(scope, in, out, true);
        }

        /** {@code nn.Linear(in, out, bias=bias)}: attention's {@code to_q/to_k/to_v} have no bias in SD. */
        Linear(ParameterTable.Scope scope, long in, long out, boolean bias) {
            this.weight = scope.declare("weight", out, in);
            this.bias = bias ? scope.declare("bias", out) : null;
        }

        NDArray forward(NDArray x) {
            return ai.djl.nn.core.Linear.linear(x, weight.array(), bias == null ? null : bias.array())
                    .singletonOrThrow();
        }
    }

    /**
     * {@code nn.GroupNorm} over axis 1 of an (N, C, ...) array. DJL has no group norm, so each group is
     * layer-normalized (the same per-row mean and variance kernel libtorch's group norm uses), then the per-channel
     * affine transform is applied.
     */
    static final class GroupNorm {

        private final Parameter weight;
        private final Parameter bias;
        private final int groups;
        private final float eps;

        GroupNorm(ParameterTable.Scope scope, int groups, long channels, double eps) {
            this.weight = scope.declare("weight", channels);
            this.bias = scope.declare("bias", channels);
            this.groups = groups;
            this.eps = (float) eps;
        }

        NDArray forward(NDArray x) {
            Shape shape = x.getShape();
            NDArray grouped = x.reshape(shape.get(0), groups, -1);
            Shape row = new Shape(grouped.getShape().get(2));
            NDManager manager = x.getManager();
            NDArray normalized;
            try (NDArray ones = manager.ones(row); NDArray zeros = manager.zeros(row)) {
                normalized = ai.djl.nn.norm.LayerNorm.layerNorm(grouped, row, ones, zeros, eps).singletonOrThrow();
            }
            long[] perChannel = new long[shape.dimension()];
            java.util.Arrays.fill(perChannel, 1);
            perChannel[1] = shape.get(1);
            return normalized.reshape(shape).mul(weight.array().reshape(perChannel))
                    .add(bias.array().reshape(perChannel));
        }
    }

    /** {@code nn.LayerNorm} over the last axis, with affine weight and bias. */
    static final class LayerNorm {

        private final Parameter weight;
        private final Parameter bias;
        private final float eps;

        LayerNorm(ParameterTable.Scope scope, long channels, double eps) {
            this.weight = scope.declare("weight", channels);
            this.bias = scope.declare("bias", channels);
            this.eps = (float) eps;
        }

        NDArray forward(NDArray x) {
            return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(x.getShape().getShape()[x.getShape().dimension()
                    - 1]), weight.array(), bias.array(), eps).singletonOrThrow();
        }
    }

    /** {@code F.gelu} without approximation: {@code x * Φ(x)} with the exact normal CDF (erf). */
    static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /**
     * {@code nn.SiLU}: {@code x * sigmoid(x)}. (Written as libtorch 2.7's kernel, {@code x / (1 + exp(-x))}, it
     * lands measurably further from the reference fixtures, recorded on an older libtorch.)
     */
    static NDArray silu(NDArray x) {
        return Activation.swish(x, 1f);
    }
}
