package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' {@code Attention}, computed as {@code AttnProcessor} does (scores in float32, softmax over the keys), in
 * the two forms the models build:
 * <ul>
 * <li>spatial self-attention over the H*W positions of an (N, C, H, W) map, with an optional group norm, biased
 * projections, a residual connection and an output rescale ({@code _from_deprecated_attn_block}: UNet2D's attention
 * blocks and the VAE's mid block), {@link #forward(NDArray)};</li>
 * <li>sequence attention as {@code BasicTransformerBlock} builds it ({@code attn1}, {@code attn2}): queries from
 * (N, L, query_dim), keys and values from the same sequence or from {@code encoder_hidden_states}
 * (N, S, cross_attention_dim), bias-free {@code to_q/to_k/to_v}, no norm and no residual,
 * {@link #forward(NDArray, NDArray)}.</li>
 * </ul>
 */
final class Attention {

    private final Layers.GroupNorm groupNorm;
    private final Layers.Linear toQ;
    private final Layers.Linear toK;
    private final Layers.Linear toV;
    private final Layers.Linear toOut;
    private final int heads;
    private final double scale;
    private final double rescaleOutputFactor;
    private volatile NDArray scaleArray;
    private volatile int sliceSize;

    /**
     * The spatial form.
     *
     * @param normGroups groups of the input group norm, or {@code null} for none
     */
    Attention(ParameterTable.Scope scope, int channels, int headDim, Integer normGroups, double eps,
              double rescaleOutputFactor) {
        this(scope, channels, channels, channels / headDim, headDim, true,
                normGroups == null ? null : new Layers.GroupNorm(scope.child("group_norm"), normGroups, channels, eps),
                rescaleOutputFactor);
    }

    private Attention(ParameterTable.Scope scope, int queryDim, int keyValueDim, int heads, int headDim,
                      boolean qkvBias, Layers.GroupNorm groupNorm, double rescaleOutputFactor) {
        this.heads = heads;
        this.scale = Math.pow(headDim, -0.5);
        scope.table().register(this);
        this.rescaleOutputFactor = rescaleOutputFactor;
        this.groupNorm = groupNorm;
        int inner = heads * headDim;
        toQ = new Layers.Linear(scope.child("to_q"), queryDim, inner, qkvBias);
        toK = new Layers.Linear(scope.child("to_k"), keyValueDim, inner, qkvBias);
        toV = new Layers.Linear(scope.child("to_v"), keyValueDim, inner, qkvBias);
        toOut = new Layers.Linear(scope.child("to_out").child("0"), inner, queryDim);
    }

    /**
     * The sequence form of {@code BasicTransformerBlock}: {@code heads} heads of {@code headDim} channels.
     *
     * @param crossAttentionDim channels of the key/value sequence, or {@code null} for self-attention
     */
    static Attention forTransformer(ParameterTable.Scope scope, int queryDim, Integer crossAttentionDim, int heads,
                                    int headDim) {
        return new Attention(scope, queryDim, crossAttentionDim == null ? queryDim : crossAttentionDim, heads,
                headDim, false, null, 1.0);
    }

    /** Spatial self-attention of an (N, C, H, W) map, plus the input, divided by the rescale factor. */
    NDArray forward(NDArray input) {
        Shape shape = input.getShape();
        long batch = shape.get(0);
        long channels = shape.get(1);
        NDArray hidden = input.reshape(batch, channels, -1);             // (B, C, HW)
        if (groupNorm != null) {
            hidden = groupNorm.forward(hidden);
        }
        hidden = hidden.transpose(0, 2, 1);                               // (B, HW, C)
        NDArray output = forward(hidden, null).transpose(0, 2, 1).reshape(shape);
        output = output.add(input);
        return rescaleOutputFactor == 1.0 ? output : Layers.div(output, rescaleOutputFactor);
    }

    /**
     * Attention of the (B, L, query_dim) sequence {@code hidden} to {@code context} (B, S, kv_dim), or to itself when
     * {@code context} is {@code null}; returns (B, L, query_dim) after {@code to_out}.
     */
    NDArray forward(NDArray hidden, NDArray context) {
        NDArray keyValue = context == null ? hidden : context;
        long batch = hidden.getShape().get(0);
        NDArray query = headsToBatch(toQ.forward(hidden));
        NDArray key = headsToBatch(toK.forward(keyValue));
        NDArray value = headsToBatch(toV.forward(keyValue));
        int rows = Math.toIntExact(batch * heads);
        int slice = sliceSize;
        NDArray attended;
        if (slice == 0 || slice >= rows) {
            attended = attend(query, key, value);
        } else {
            // SlicedAttnProcessor: slice rows of the (B * heads) axis at a time, so that only one slice's scores
            // exist at once; each row's products and softmax are the same operations as unsliced.
            NDList parts = new NDList();
            for (int start = 0; start < rows; start += slice) {
                NDIndex rowsOfSlice = new NDIndex("{}:{}", start, Math.min(start + slice, rows));
                parts.add(attend(query.get(rowsOfSlice), key.get(rowsOfSlice), value.get(rowsOfSlice)));
            }
            attended = NDArrays.concat(parts, 0);
            parts.close();
        }
        return toOut.forward(batchToHeads(attended, batch));
    }

    /**
     * {@code softmax(scale * q k^T) v} over the keys for (rows, L, d) queries and (rows, S, d) keys and values. The
     * (rows, L, S) scores are the largest arrays of a UNet step (1 GiB per attention at SD's 64x64 latents), so they
     * are scaled in place (baddbmm with beta 0 in diffusers) and freed as soon as they are used.
     */
    private NDArray attend(NDArray query, NDArray key, NDArray value) {
        NDArray scores = query.batchMatMul(key.transpose(0, 2, 1));
        if (scale != 1.0) {
            scores.muli(scaleArray());
        }
        NDArray probs = scores.softmax(-1);
        scores.close();
        NDArray attended = probs.batchMatMul(value);
        probs.close();
        return attended;
    }

    /** Heads: the axis diffusers' {@code set_attention_slice} slices ({@code sliceable_head_dim}). */
    int heads() {
        return heads;
    }

    /**
     * Computes attention {@code size} rows of the (batch * heads) axis at a time, as diffusers'
     * {@code SlicedAttnProcessor(size)}; 0 computes all rows at once.
     */
    void setSliceSize(int size) {
        if (size < 0 || size > heads) {
            throw new IllegalArgumentException("An attention slice size is 0 (no slicing) or 1 to the layer's "
                    + heads + " heads, not " + size);
        }
        sliceSize = size;
    }

    /**
     * The scale as the 0-dim float64 array that {@code muli(double)} would wrap it in every call (the same operands,
     * so the same bits), made once on the weights' manager.
     */
    private NDArray scaleArray() {
        NDArray cached = scaleArray;
        if (cached == null) {
            NDArray owner = toQ.weight();
            cached = Layers.constants(owner, manager -> new NDArray[] {manager.create(scale)})[0];
            scaleArray = cached;
        }
        return cached;
    }

    /** (B, L, heads * d) to (B * heads, L, d); one head needs no reshaping. */
    private NDArray headsToBatch(NDArray x) {
        if (heads == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3)
                .reshape(s.get(0) * heads, s.get(1), s.get(2) / heads);
    }

    /** (B * heads, L, d) to (B, L, heads * d). */
    private NDArray batchToHeads(NDArray x, long batch) {
        if (heads == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.reshape(batch, heads, s.get(1), s.get(2)).transpose(0, 2, 1, 3)
                .reshape(batch, s.get(1), heads * s.get(2));
    }
}
