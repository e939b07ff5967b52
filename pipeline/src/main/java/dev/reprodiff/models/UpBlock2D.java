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

    /** Runs the block, taking one skip connection per resnet from the end of {@code skips}. */
    NDArray forward(NDArray hidden, Deque<NDArray> skips, NDArray temb) {
        for (int i = 0; i < resnets.size(); i++) {
            hidden = NDArrays.concat(new ai.djl.ndarray.NDList(hidden, skips.removeLast()), 1);
            hidden = resnets.get(i).forward(hidden, temb);
            if (!attentions.isEmpty()) {
                hidden = attentions.get(i).forward(hidden);
            }
        }
        return upsampler == null ? hidden : upsampler.forward(hidden);
    }
}
