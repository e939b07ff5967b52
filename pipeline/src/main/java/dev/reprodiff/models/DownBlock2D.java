package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code DownBlock2D} (resnets, then a downsampling convolution) and {@code AttnDownBlock2D} (the same
 * with an attention after each resnet). Every resnet's (or attention's) output and the downsampled output are kept
 * for the up path's skip connections.
 */
final class DownBlock2D {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Attention> attentions = new ArrayList<>();
    private final Downsample2D downsampler;

    DownBlock2D(ParameterTable.Scope scope, UNet2DConfig config, boolean withAttention, int in, int out,
                boolean addDownsample) {
        int layers = config.layersPerBlock();
        if (withAttention) {
            int headDim = config.attentionHeadDim() != null ? config.attentionHeadDim() : out;
            for (int i = 0; i < layers; i++) {
                attentions.add(new Attention(scope.child("attentions").child(Integer.toString(i)), out, headDim,
                        config.normNumGroups(), config.normEps(), 1.0));
            }
        }
        for (int i = 0; i < layers; i++) {
            resnets.add(new ResnetBlock2D(scope.child("resnets").child(Integer.toString(i)), i == 0 ? in : out, out,
                    config, 1.0));
        }
        downsampler = addDownsample
                ? new Downsample2D(scope.child("downsamplers").child("0"), out, config.downsamplePadding()) : null;
    }

    /**
     * A plain {@code DownBlock2D} (UNet2DConditionModel) or {@code DownEncoderBlock2D} (the VAE encoder, whose
     * resnets have no time embedding).
     *
     * @param downsamplePadding the downsampling convolution's padding, or {@code null} for no downsampling
     */
    DownBlock2D(ParameterTable.Scope scope, ResnetBlock2D.Settings settings, int layers, int in, int out,
                Integer downsamplePadding) {
        for (int i = 0; i < layers; i++) {
            resnets.add(new ResnetBlock2D(scope.child("resnets").child(Integer.toString(i)), i == 0 ? in : out, out,
                    settings, 1.0));
        }
        downsampler = downsamplePadding == null ? null
                : new Downsample2D(scope.child("downsamplers").child("0"), out, downsamplePadding);
    }

    /** Runs the block and appends its outputs to {@code outputStates} ({@code null}: keep none). */
    NDArray forward(NDArray hidden, NDArray temb, List<NDArray> outputStates) {
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock2D resnet = resnets.get(i);
            NDArray input = hidden;
            hidden = Scoped.keep(() -> resnet.forward(input, temb));
            if (!attentions.isEmpty()) {
                Attention attention = attentions.get(i);
                NDArray resnetOutput = hidden;
                hidden = Scoped.keep(() -> attention.forward(resnetOutput));
            }
            if (outputStates != null) {
                outputStates.add(hidden);
            }
        }
        if (downsampler != null) {
            NDArray input = hidden;
            hidden = Scoped.keep(() -> downsampler.forward(input));
            if (outputStates != null) {
                outputStates.add(hidden);
            }
        }
        return hidden;
    }
}
