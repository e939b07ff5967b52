package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.models.UNet2DConfig.TimeScaleShift;

/** diffusers' {@code UNetMidBlock2D} with one layer: resnet, attention (if {@code add_attention}), resnet. */
final class UNetMidBlock2D {

    private final Attention attention;
    private final ResnetBlock2D first;
    private final ResnetBlock2D second;

    UNetMidBlock2D(ParameterTable.Scope scope, UNet2DConfig config) {
        int channels = config.blockOutChannels().get(config.blockOutChannels().size() - 1);
        double scale = config.midBlockScaleFactor();
        if (config.addAttention()) {
            Integer groups = config.attnNormNumGroups() != null ? config.attnNormNumGroups()
                    : config.resnetTimeScaleShift() == TimeScaleShift.DEFAULT ? config.normNumGroups() : null;
            int headDim = config.attentionHeadDim() != null ? config.attentionHeadDim() : channels;
            attention = new Attention(scope.child("attentions").child("0"), channels, headDim, groups,
                    config.normEps(), scale);
        } else {
            attention = null;
        }
        first = new ResnetBlock2D(scope.child("resnets").child("0"), channels, channels, config, scale);
        second = new ResnetBlock2D(scope.child("resnets").child("1"), channels, channels, config, scale);
    }

    NDArray forward(NDArray hidden, NDArray temb) {
        hidden = first.forward(hidden, temb);
        if (attention != null) {
            hidden = attention.forward(hidden);
        }
        return second.forward(hidden, temb);
    }
}
