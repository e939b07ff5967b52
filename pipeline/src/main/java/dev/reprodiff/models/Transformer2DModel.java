package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code Transformer2DModel} on continuous input, as the SD UNet's cross-attention blocks build it: group
 * norm (eps 1e-6), {@code proj_in} (a 1x1 convolution, or a linear layer after flattening when
 * {@code use_linear_projection}), {@link BasicTransformerBlock}s over the H*W positions, {@code proj_out}, plus the
 * input.
 */
final class Transformer2DModel {

    private static final double NORM_EPS = 1e-6;

    /** How a UNet configures its transformers. */
    record Settings(int layers, int crossAttentionDim, int groups, boolean useLinearProjection) {
    }

    private final Layers.GroupNorm norm;
    private final Layers.Conv2d projInConv;
    private final Layers.Linear projInLinear;
    private final List<BasicTransformerBlock> blocks = new ArrayList<>();
    private final Layers.Conv2d projOutConv;
    private final Layers.Linear projOutLinear;

    /** {@code heads} heads of {@code channels / heads} channels each. */
    Transformer2DModel(ParameterTable.Scope scope, int channels, int heads, Settings settings) {
        int headDim = channels / heads;
        int inner = heads * headDim;
        norm = new Layers.GroupNorm(scope.child("norm"), settings.groups(), channels, NORM_EPS);
        boolean linear = settings.useLinearProjection();
        projInLinear = linear ? new Layers.Linear(scope.child("proj_in"), channels, inner) : null;
        projInConv = linear ? null : new Layers.Conv2d(scope.child("proj_in"), channels, inner, 1, 1, 0);
        for (int i = 0; i < settings.layers(); i++) {
            blocks.add(new BasicTransformerBlock(scope.child("transformer_blocks").child(Integer.toString(i)), inner,
                    heads, headDim, settings.crossAttentionDim()));
        }
        projOutLinear = linear ? new Layers.Linear(scope.child("proj_out"), inner, channels) : null;
        projOutConv = linear ? null : new Layers.Conv2d(scope.child("proj_out"), inner, channels, 1, 1, 0);
    }

    /**
     * @param input (B, C, H, W)
     * @param context the text states (B, S, cross_attention_dim)
     */
    NDArray forward(NDArray input, NDArray context) {
        Shape shape = input.getShape();
        long batch = shape.get(0);
        long height = shape.get(2);
        long width = shape.get(3);
        NDArray hidden = Scoped.keep(() -> {
            NDArray x = norm.forward(input);
            if (projInConv != null) {
                x = projInConv.forward(x);
            }
            x = x.transpose(0, 2, 3, 1).reshape(batch, height * width, x.getShape().get(1));   // (B, HW, C)
            return projInLinear == null ? x : projInLinear.forward(x);
        });
        for (BasicTransformerBlock block : blocks) {
            hidden = block.forward(hidden, context);
        }
        NDArray last = hidden;
        return Scoped.keep(() -> {
            NDArray x = projOutLinear == null ? last : projOutLinear.forward(last);
            x = x.reshape(batch, height, width, x.getShape().get(2)).transpose(0, 3, 1, 2);   // (B, C, H, W)
            if (projOutConv != null) {
                x = projOutConv.forward(x);
            }
            return x.add(input);
        });
    }
}
