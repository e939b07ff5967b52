package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' {@code UpBlock2D} (resnets on the input concatenated with a skip connection, then nearest upsampling and
 * a convolution) and {@code AttnUpBlock2D} (the same with an attention after each resnet).
 */
final class UpBlock2D {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Attention> attentions = new ArrayList<>();
    private final Upsample2D upsampler;

    /**
     * @param in channels of the skip connection from the next-lower resolution's down block
     * @param prevOut channels coming from the previous up block (or the mid block)
     */
    UpBlock2D(ParameterTable.Scope scope, UNet2DConfig config, boolean withAttention, int in, int out, int prevOut,
              boolean addUpsample) {
        int layers = config.layersPerBlock() + 1;
        if (withAttention) {
            int headDim = config.attentionHeadDim() != null ? config.attentionHeadDim() : out;
            for (int i = 0; i < layers; i++) {
                attentions.add(new Attention(scope.child("attentions").child(Integer.toString(i)), out, headDim,
                        config.normNumGroups(), config.normEps(), 1.0));
            }
        }
        for (int i = 0; i < layers; i++) {
            int skip = i == layers - 1 ? in : out;
            int resnetIn = i == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(scope.child("resnets").child(Integer.toString(i)), resnetIn + skip, out,
                    config, 1.0));
        }
        upsampler = addUpsample ? new Upsample2D(scope.child("upsamplers").child("0"), out) : null;
    }

    /** A plain {@code UpBlock2D} as UNet2DConditionModel builds it. */
    UpBlock2D(ParameterTable.Scope scope, ResnetBlock2D.Settings settings, int layers, int in, int out, int prevOut,
              boolean addUpsample) {
        for (int i = 0; i < layers; i++) {
            int skip = i == layers - 1 ? in : out;
            int resnetIn = i == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(scope.child("resnets").child(Integer.toString(i)), resnetIn + skip, out,
                    settings, 1.0));
        }
        upsampler = addUpsample ? new Upsample2D(scope.child("upsamplers").child("0"), out) : null;
    }

    /** The number of skip connections the block consumes: one per resnet. */
    int numResnets() {
        return resnets.size();
    }

    /** Runs the block, taking one skip connection per resnet from the end of {@code skips}. */
    NDArray forward(NDArray hidden, Deque<NDArray> skips, NDArray temb) {
        return forward(hidden, skips, temb, null);
    }

    /**
     * As {@link #forward(NDArray, Deque, NDArray)}, upsampling to {@code upsampleSize} (height, width) rather than
     * by 2 when it is not {@code null}.
     */
    NDArray forward(NDArray hidden, Deque<NDArray> skips, NDArray temb, long[] upsampleSize) {
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock2D resnet = resnets.get(i);
            NDArray input = hidden;
            NDArray skip = skips.removeLast();
            hidden = Scoped.keep(() -> resnet.forward(NDArrays.concat(new ai.djl.ndarray.NDList(input, skip), 1),
                    temb));
            if (!attentions.isEmpty()) {
                Attention attention = attentions.get(i);
                NDArray resnetOutput = hidden;
                hidden = Scoped.keep(() -> attention.forward(resnetOutput));
            }
        }
        NDArray last = hidden;
        return upsampler == null ? hidden : Scoped.keep(() -> upsampler.forward(last, upsampleSize));
    }
}
