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

    /**
     * The VAE's mid block ({@code UNetMidBlock2D} with {@code temb_channels=None}, {@code add_attention=True}):
     * one-head attention over all channels with a group norm of the resnets' groups and eps.
     */
    UNetMidBlock2D(ParameterTable.Scope scope, int channels, ResnetBlock2D.Settings settings) {
        attention = new Attention(scope.child("attentions").child("0"), channels, channels, settings.groups(),
                settings.eps(), 1.0);
        first = new ResnetBlock2D(scope.child("resnets").child("0"), channels, channels, settings, 1.0);
        second = new ResnetBlock2D(scope.child("resnets").child("1"), channels, channels, settings, 1.0);
    }

    NDArray forward(NDArray hidden, NDArray temb) {
        NDArray afterFirst = Scoped.keep(() -> first.forward(hidden, temb));
        NDArray afterAttention = attention == null ? afterFirst : Scoped.keep(() -> attention.forward(afterFirst));
        return Scoped.keep(() -> second.forward(afterAttention, temb));
    }
}
