package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' {@code Attention} as the UNet2D blocks build it ({@code _from_deprecated_attn_block}): spatial
 * self-attention over the H*W positions with an optional group norm, a residual connection and an output rescale,
 * computed as {@code AttnProcessor} does (scores in float32, softmax over the keys).
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

    /**
     * @param normGroups groups of the input group norm, or {@code null} for none
     */
    Attention(ParameterTable.Scope scope, int channels, int headDim, Integer normGroups, double eps,
              double rescaleOutputFactor) {
        this.heads = channels / headDim;
        this.scale = Math.pow(headDim, -0.5);
        this.rescaleOutputFactor = rescaleOutputFactor;
        groupNorm = normGroups == null ? null
                : new Layers.GroupNorm(scope.child("group_norm"), normGroups, channels, eps);
        int inner = heads * headDim;
        toQ = new Layers.Linear(scope.child("to_q"), channels, inner);
        toK = new Layers.Linear(scope.child("to_k"), channels, inner);
        toV = new Layers.Linear(scope.child("to_v"), channels, inner);
        toOut = new Layers.Linear(scope.child("to_out").child("0"), inner, channels);
    }

    NDArray forward(NDArray input) {
        Shape shape = input.getShape();
        long batch = shape.get(0);
        long channels = shape.get(1);
        NDArray hidden = input.reshape(batch, channels, -1);             // (B, C, HW)
        if (groupNorm != null) {
            hidden = groupNorm.forward(hidden);
        }
        hidden = hidden.transpose(0, 2, 1);                               // (B, HW, C)
        NDArray query = headsToBatch(toQ.forward(hidden));
        NDArray key = headsToBatch(toK.forward(hidden));
        NDArray value = headsToBatch(toV.forward(hidden));
        // scores = scale * q k^T (baddbmm with beta 0), softmax over keys
        NDArray probs = query.batchMatMul(key.transpose(0, 2, 1)).mul(scale).softmax(-1);
        NDArray attended = batchToHeads(probs.batchMatMul(value), batch);
        NDArray output = toOut.forward(attended).transpose(0, 2, 1).reshape(shape);
        output = output.add(input);
        return rescaleOutputFactor == 1.0 ? output : output.div(rescaleOutputFactor);
    }

    /** (B, L, heads * d) to (B * heads, L, d). */
    private NDArray headsToBatch(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3)
                .reshape(s.get(0) * heads, s.get(1), s.get(2) / heads);
    }

    /** (B * heads, L, d) to (B, L, heads * d). */
    private NDArray batchToHeads(NDArray x, long batch) {
        Shape s = x.getShape();
        return x.reshape(batch, heads, s.get(1), s.get(2)).transpose(0, 2, 1, 3)
                .reshape(batch, s.get(1), heads * s.get(2));
    }
}
