package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * transformers' {@code CLIPAttention} as the text encoder runs it: multi-head self-attention over the token
 * positions with an additive mask, {@code softmax(q k^T * head_dim^-0.5 + mask) v}, then the output projection.
 */
final class CLIPAttention {

    private final Layers.Linear kProj;
    private final Layers.Linear vProj;
    private final Layers.Linear qProj;
    private final Layers.Linear outProj;
    private final int heads;
    private final double scale;

    CLIPAttention(ParameterTable.Scope scope, CLIPTextConfig config) {
        int dim = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.scale = Math.pow(config.headDim(), -0.5);
        // transformers' registration order, hence its state_dict order: k, v, q, out
        kProj = new Layers.Linear(scope.child("k_proj"), dim, dim);
        vProj = new Layers.Linear(scope.child("v_proj"), dim, dim);
        qProj = new Layers.Linear(scope.child("q_proj"), dim, dim);
        outProj = new Layers.Linear(scope.child("out_proj"), dim, dim);
    }

    /**
     * @param hidden (batch, length, hidden_size)
     * @param mask (length, length), added to the scores: 0 where a position may attend, -inf where not
     */
    NDArray forward(NDArray hidden, NDArray mask) {
        Shape shape = hidden.getShape();
        NDArray query = splitHeads(qProj.forward(hidden));                   // (B, H, L, d)
        NDArray key = splitHeads(kProj.forward(hidden));
        NDArray value = splitHeads(vProj.forward(hidden));
        NDArray scores = query.matMul(key.transpose(0, 1, 3, 2)).mul(scale).add(mask);
        NDArray attended = scores.softmax(-1).matMul(value);               // (B, H, L, d)
        return outProj.forward(attended.transpose(0, 2, 1, 3).reshape(shape));
    }

    /** (B, L, H * d) to (B, H, L, d). */
    private NDArray splitHeads(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }
}
