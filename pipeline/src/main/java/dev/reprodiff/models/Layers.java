package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The torch.nn layers the UNet is built from, as NDArray operations on the PyTorch engine.
 *
 * <p>Inference runs them as they always ran. While {@link #recording()} is set (a training forward), the few
 * operations that would take a Java number take a scalar created natively instead: DJL wraps a Java number in a
 * tensor over Java memory and frees it at once, but autograd keeps that tensor for the backward pass, which then reads
 * freed memory (wrong gradients, NaN losses).
 */
final class Layers {

    /** Whether this thread runs a training forward, whose operations autograd records. */
    private static final ThreadLocal<Boolean> RECORDING = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Layers() {
    }

    /** Whether the current forward records gradients: scalars must then be created natively. */
    static boolean recording() {
        return RECORDING.get();
    }

    /** Runs {@code body} as a training forward: {@link #recording()} is set until it returns. */
    static <T> T recordingGradients(java.util.function.Supplier<T> body) {
        boolean outer = RECORDING.get();
        RECORDING.set(Boolean.TRUE);
        try {
            return body.get();
        } finally {
            RECORDING.set(outer);
        }
    }

    /** A float32 scalar created by the engine (not over Java memory), on {@code like}'s manager. */
    static NDArray nativeScalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value);
    }

    /** {@code x * value}; with a native scalar while recording. */
    static NDArray mul(NDArray x, double value) {
        return recording() ? x.mul(nativeScalar(x, value)) : x.mul(value);
    }

    /** {@code x / value}; with a native scalar while recording. */
    static NDArray div(NDArray x, double value) {
        return recording() ? x.div(nativeScalar(x, value)) : x.div(value);
    }

    /** {@code x + value}; with a native scalar while recording. */
    static NDArray add(NDArray x, double value) {
        return recording() ? x.add(nativeScalar(x, value)) : x.add(value);
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
        if (recording()) {
            // swish(x, 1) is sigmoid(x * 1) * x; x * 1 is exact, so this is the same value without a Java scalar
            return Activation.sigmoid(x).mul(x);
        }
        return Activation.swish(x, 1f);
    }
}
