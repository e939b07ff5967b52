package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' {@code CrossAttnUpBlock2D}: resnets on the input concatenated with a skip connection, each followed by a
 * {@link Transformer2DModel} that attends to the text states, then nearest upsampling and a convolution.
 */
final class CrossAttnUpBlock2D {

    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Upsample2D upsampler;

    /**
     * @param in channels of the skip connection from the next-lower resolution's down block
     * @param prevOut channels coming from the previous up block (or the mid block)
     */
    CrossAttnUpBlock2D(ParameterTable.Scope scope, ResnetBlock2D.Settings resnet, int layers, int in, int out,
                       int prevOut, int heads, Transformer2DModel.Settings transformer, boolean addUpsample) {
        for (int i = 0; i < layers; i++) {
            attentions.add(new Transformer2DModel(scope.child("attentions").child(Integer.toString(i)), out, heads,
                    transformer));
        }
        for (int i = 0; i < layers; i++) {
            int skip = i == layers - 1 ? in : out;
            int resnetIn = i == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(scope.child("resnets").child(Integer.toString(i)), resnetIn + skip, out,
                    resnet, 1.0));
        }
        upsampler = addUpsample ? new Upsample2D(scope.child("upsamplers").child("0"), out) : null;
    }

    /** The number of skip connections the block consumes: one per resnet. */
    int numResnets() {
        return resnets.size();
    }

    /**
     * Runs the block, taking one skip connection per resnet from the end of {@code skips}; upsamples to
     * {@code upsampleSize} (height, width), or by 2 when it is {@code null}.
     */
    NDArray forward(NDArray hidden, Deque<NDArray> skips, NDArray temb, NDArray context, long[] upsampleSize) {
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock2D resnet = resnets.get(i);
            NDArray input = hidden;
            NDArray skip = skips.removeLast();
            NDArray resnetOutput = Scoped.keep(() -> resnet.forward(NDArrays.concat(new NDList(input, skip), 1),
                    temb));
            hidden = attentions.get(i).forward(resnetOutput, context);
        }
        NDArray last = hidden;
        return upsampler == null ? hidden : Scoped.keep(() -> upsampler.forward(last, upsampleSize));
    }
}
