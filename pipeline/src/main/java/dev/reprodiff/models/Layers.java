package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

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

        private static final Shape NO_DILATION = new Shape(1, 1);

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

        /**
         * The engine's convolution, as DJL's {@code Conv2d.conv2d} ends up calling it, without that method's rank
         * checks: they read the input's shape, one libtorch call per convolution (the UNet's inputs are 4-D).
         */
        NDArray forward(NDArray x) {
            return x.getNDArrayInternal().convolution(x, weight.array(), bias.array(), stride, padding, NO_DILATION,
                    1).singletonOrThrow();
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

        /** The bound weight array, the owner of constants kept with this layer. */
        NDArray weight() {
            return weight.array();
        }
    }

    /**
     * {@code nn.GroupNorm} over axis 1 of an (N, C, ...) array. DJL has no group norm, so each group is
     * layer-normalized (the same per-row mean and variance kernel libtorch's group norm uses), then the per-channel
     * affine transform is applied. The layer norm's unit weight and zero bias, and (for weights that record no
     * gradient) the affine parameters' (1, C, 1...) views, are made once per row length and rank and kept with the
     * weights, not re-created every call.
     */
    static final class GroupNorm {

        private final Parameter weight;
        private final Parameter bias;
        private final int groups;
        private final float eps;
        private final Map<Long, NDArray[]> unitAffine = new ConcurrentHashMap<>();
        private final Map<Integer, NDArray[]> perChannel = new ConcurrentHashMap<>();

        GroupNorm(ParameterTable.Scope scope, int groups, long channels, double eps) {
            this.weight = scope.declare("weight", channels);
            this.bias = scope.declare("bias", channels);
            this.groups = groups;
            this.eps = (float) eps;
        }

        NDArray forward(NDArray x) {
            Shape shape = x.getShape();
            long rowLength = shape.size() / (shape.get(0) * groups);
            NDArray grouped = x.reshape(shape.get(0), groups, rowLength);
            NDArray[] unit = unitAffine.computeIfAbsent(rowLength, length -> constants(weight.array(),
                    manager -> new NDArray[] {manager.ones(new Shape(length)), manager.zeros(new Shape(length))}));
            NDArray normalized = ai.djl.nn.norm.LayerNorm.layerNorm(grouped, new Shape(rowLength), unit[0], unit[1],
                    eps).singletonOrThrow();
            NDArray w = weight.array();
            NDArray b = bias.array();
            Shape channels = channelShape(shape.dimension(), shape.get(1));
            if (w.hasGradient()) {
                // Trained weights get fresh views, so that the gradient reaches them through this step's graph.
                return normalized.reshape(shape).mul(w.reshape(channels)).add(b.reshape(channels));
            }
            NDArray[] affine = perChannel.get(shape.dimension());
            if (affine == null || affine[0] != w || affine[1] != b) { // views of the arrays bound now
                affine = constants(w, manager -> new NDArray[] {w, b, w.reshape(channels), b.reshape(channels)});
                perChannel.put(shape.dimension(), affine);
            }
            return normalized.reshape(shape).mul(affine[2]).add(affine[3]);
        }

        private static Shape channelShape(int rank, long channels) {
            long[] dims = new long[rank];
            java.util.Arrays.fill(dims, 1);
            dims[1] = channels;
            return new Shape(dims);
        }
    }

    /**
     * Arrays made once and kept for the model's life: made on the manager of {@code owner} (a weight) and taken out
     * of any {@link NDScope} open while they are made, so that they live as long as the weights and die with them.
     */
    static NDArray[] constants(NDArray owner, Function<NDManager, NDArray[]> make) {
        NDArray[] made = make.apply(owner.getManager());
        NDScope.unregister(made);
        return made;
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
     * lands measurably further from the reference fixtures, recorded on an older libtorch.) Two libtorch calls, where
     * DJL's {@code Activation.swish(x, 1)} makes four (and a scalar array for its beta): {@code x * 1} is exact, so
     * the bits are the same. Nothing is done in place and no Java number is wrapped, so it records gradients too.
     */
    static NDArray silu(NDArray x) {
        try (NDArray sigmoid = Activation.sigmoid(x)) {
            return x.mul(sigmoid);
        }
    }
}
