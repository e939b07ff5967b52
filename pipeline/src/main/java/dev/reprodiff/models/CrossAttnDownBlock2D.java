package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code CrossAttnDownBlock2D}: resnets, each followed by a {@link Transformer2DModel} that attends to the
 * text states, then a downsampling convolution. Every transformer's output and the downsampled output are kept for
 * the up path's skip connections.
 */
final class CrossAttnDownBlock2D {

    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Downsample2D downsampler;

    /** @param downsamplePadding the downsampling convolution's padding, or {@code null} for no downsampling */
    CrossAttnDownBlock2D(ParameterTable.Scope scope, ResnetBlock2D.Settings resnet, int layers, int in, int out,
                         int heads, Transformer2DModel.Settings transformer, Integer downsamplePadding) {
        for (int i = 0; i < layers; i++) {
            attentions.add(new Transformer2DModel(scope.child("attentions").child(Integer.toString(i)), out, heads,
                    transformer));
        }
        for (int i = 0; i < layers; i++) {
            resnets.add(new ResnetBlock2D(scope.child("resnets").child(Integer.toString(i)), i == 0 ? in : out, out,
                    resnet, 1.0));
        }
        downsampler = downsamplePadding == null ? null
                : new Downsample2D(scope.child("downsamplers").child("0"), out, downsamplePadding);
    }

    /** Runs the block and appends its outputs to {@code outputStates}. */
    NDArray forward(NDArray hidden, NDArray temb, NDArray context, List<NDArray> outputStates) {
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock2D resnet = resnets.get(i);
            NDArray input = hidden;
            NDArray resnetOutput = Scoped.keep(() -> resnet.forward(input, temb));
            hidden = attentions.get(i).forward(resnetOutput, context);
            outputStates.add(hidden);
        }
        if (downsampler != null) {
            NDArray input = hidden;
            hidden = Scoped.keep(() -> downsampler.forward(input));
            outputStates.add(hidden);
        }
        return hidden;
    }
}
