package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * diffusers' VAE {@code Decoder}: a convolution from the latents, the mid block (resnet, one-head attention, resnet),
 * {@code UpDecoderBlock2D}s (layers_per_block + 1 resnets, then nearest upsampling and a convolution except in the
 * last), group norm, SiLU and a convolution to the image channels. Norms use eps 1e-6; nothing takes a time
 * embedding.
 */
final class Decoder {

    private final Layers.Conv2d convIn;
    private final List<UpDecoderBlock2D> upBlocks = new ArrayList<>();
    private final UNetMidBlock2D midBlock;
    private final Layers.GroupNorm convNormOut;
    private final Layers.Conv2d convOut;

    Decoder(ParameterTable.Scope scope, AutoencoderKLConfig config) {
        List<Integer> reversed = new ArrayList<>(config.blockOutChannels());
        Collections.reverse(reversed);
        int last = reversed.size() - 1;
        ResnetBlock2D.Settings resnet = new ResnetBlock2D.Settings(config.normNumGroups(), Encoder.EPS, null,
                UNet2DConfig.TimeScaleShift.DEFAULT);
        convIn = new Layers.Conv2d(scope.child("conv_in"), config.latentChannels(), reversed.get(0), 3, 1, 1);
        // up_blocks is registered before mid_block in diffusers, so its parameters come first in the state_dict
        int out = reversed.get(0);
        for (int i = 0; i <= last; i++) {
            int in = out;
            out = reversed.get(i);
            upBlocks.add(new UpDecoderBlock2D(scope.child("up_blocks").child(Integer.toString(i)), resnet,
                    config.layersPerBlock() + 1, in, out, i != last));
        }
        midBlock = new UNetMidBlock2D(scope.child("mid_block"), reversed.get(0), resnet);
        convNormOut = new Layers.GroupNorm(scope.child("conv_norm_out"), config.normNumGroups(), reversed.get(last),
                Encoder.EPS);
        convOut = new Layers.Conv2d(scope.child("conv_out"), reversed.get(last), config.outChannels(), 3, 1, 1);
    }

    /** (N, latent_channels, h, w) to (N, out_channels, h * f, w * f). */
    NDArray forward(NDArray latents) {
        NDArray x = Scoped.keep(() -> convIn.forward(latents));
        x = midBlock.forward(x, null);
        for (UpDecoderBlock2D block : upBlocks) {
            x = block.forward(x);
        }
        NDArray hidden = x;
        return Scoped.keep(() -> convOut.forward(Layers.silu(convNormOut.forward(hidden))));
    }

    /** diffusers' {@code UpDecoderBlock2D}: resnets without skip connections or time embedding, then upsampling. */
    static final class UpDecoderBlock2D {

        private final List<ResnetBlock2D> resnets = new ArrayList<>();
        private final Upsample2D upsampler;

        UpDecoderBlock2D(ParameterTable.Scope scope, ResnetBlock2D.Settings settings, int layers, int in, int out,
                         boolean addUpsample) {
            for (int i = 0; i < layers; i++) {
                resnets.add(new ResnetBlock2D(scope.child("resnets").child(Integer.toString(i)), i == 0 ? in : out,
                        out, settings, 1.0));
            }
            upsampler = addUpsample ? new Upsample2D(scope.child("upsamplers").child("0"), out) : null;
        }

        NDArray forward(NDArray hidden) {
            for (ResnetBlock2D resnet : resnets) {
                NDArray input = hidden;
                hidden = Scoped.keep(() -> resnet.forward(input, null));
            }
            NDArray last = hidden;
            return upsampler == null ? hidden : Scoped.keep(() -> upsampler.forward(last));
        }
    }
}
