package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * transformers' {@code CLIPEncoderLayer}, a pre-LN transformer layer: {@code x + attn(ln1(x))}, then
 * {@code x + fc2(act(fc1(ln2(x))))}.
 */
final class CLIPEncoderLayer {

    private final CLIPAttention selfAttn;
    private final Layers.LayerNorm layerNorm1;
    private final Layers.Linear fc1;
    private final Layers.Linear fc2;
    private final Layers.LayerNorm layerNorm2;
    private final CLIPTextConfig.HiddenAct act;

    CLIPEncoderLayer(ParameterTable.Scope scope, CLIPTextConfig config) {
        int dim = config.hiddenSize();
        // registration order of transformers: self_attn, layer_norm1, mlp, layer_norm2
        selfAttn = new CLIPAttention(scope.child("self_attn"), config);
        layerNorm1 = new Layers.LayerNorm(scope.child("layer_norm1"), dim, config.layerNormEps());
        fc1 = new Layers.Linear(scope.child("mlp").child("fc1"), dim, config.intermediateSize());
        fc2 = new Layers.Linear(scope.child("mlp").child("fc2"), config.intermediateSize(), dim);
        layerNorm2 = new Layers.LayerNorm(scope.child("layer_norm2"), dim, config.layerNormEps());
        act = config.hiddenAct();
    }

    NDArray forward(NDArray hidden, NDArray causalMask) {
        hidden = hidden.add(selfAttn.forward(layerNorm1.forward(hidden), causalMask));
        return hidden.add(fc2.forward(activation(fc1.forward(layerNorm2.forward(hidden)))));
    }

    private NDArray activation(NDArray x) {
        return switch (act) {
            case QUICK_GELU -> quickGelu(x);
            case GELU -> Layers.gelu(x);
        };
    }

    /** transformers' {@code QuickGELUActivation}: {@code x * sigmoid(1.702 * x)}. */
    static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(x.mul(1.702f)));
    }
}
