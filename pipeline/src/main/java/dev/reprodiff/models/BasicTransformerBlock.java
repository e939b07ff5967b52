package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * diffusers' {@code BasicTransformerBlock} as Stable Diffusion 1.x builds it ({@code norm_type="layer_norm"},
 * {@code activation_fn="geglu"}): pre-norm self-attention, cross-attention to the text states and a GEGLU feed-forward,
 * each added to its input.
 */
final class BasicTransformerBlock {

    private static final double LAYER_NORM_EPS = 1e-5;

    private final Layers.LayerNorm norm1;
    private final Attention attn1;
    private final Layers.LayerNorm norm2;
    private final Attention attn2;
    private final Layers.LayerNorm norm3;
    private final FeedForward ff;

    BasicTransformerBlock(ParameterTable.Scope scope, int dim, int heads, int headDim, int crossAttentionDim) {
        norm1 = new Layers.LayerNorm(scope.child("norm1"), dim, LAYER_NORM_EPS);
        attn1 = Attention.forTransformer(scope.child("attn1"), dim, null, heads, headDim);
        norm2 = new Layers.LayerNorm(scope.child("norm2"), dim, LAYER_NORM_EPS);
        attn2 = Attention.forTransformer(scope.child("attn2"), dim, crossAttentionDim, heads, headDim);
        norm3 = new Layers.LayerNorm(scope.child("norm3"), dim, LAYER_NORM_EPS);
        ff = new FeedForward(scope.child("ff"), dim, 4 * dim);
    }

    /**
     * @param hidden (B, L, dim)
     * @param context the text states (B, S, cross_attention_dim)
     */
    NDArray forward(NDArray hidden, NDArray context) {
        NDArray afterSelf = Scoped.keep(() -> attn1.forward(norm1.forward(hidden), null).add(hidden));
        NDArray afterCross = Scoped.keep(() -> attn2.forward(norm2.forward(afterSelf), context).add(afterSelf));
        return Scoped.keep(() -> ff.forward(norm3.forward(afterCross)).add(afterCross));
    }

    /** {@code FeedForward(dim, activation_fn="geglu")}: {@code net.0} is the GEGLU, {@code net.2} the output. */
    static final class FeedForward {

        private final Layers.Linear geluProj;
        private final Layers.Linear out;

        FeedForward(ParameterTable.Scope scope, int dim, int inner) {
            ParameterTable.Scope net = scope.child("net");
            geluProj = new Layers.Linear(net.child("0").child("proj"), dim, 2L * inner);
            out = new Layers.Linear(net.child("2"), inner, dim);
        }

        /** GEGLU: {@code hidden, gate = proj(x).chunk(2, -1)}; {@code hidden * gelu(gate)}, then the output. */
        NDArray forward(NDArray x) {
            NDArray projected = geluProj.forward(x);
            NDList halves = projected.split(2, projected.getShape().dimension() - 1);
            return out.forward(halves.get(0).mul(Layers.gelu(halves.get(1))));
        }
    }
}
