package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' VAE {@code Encoder}: {@code DownEncoderBlock2D}s (resnets without time embedding, eps 1e-6, downsampling
 * with asymmetric padding), the mid block, group norm, SiLU and a convolution to mean and log-variance
 * ({@code double_z}).
 */
final class Encoder {

    static final double EPS = 1e-6;

    private final Layers.Conv2d convIn;
    private final List<DownBlock2D> downBlocks = new ArrayList<>();
    private final UNetMidBlock2D midBlock;
    private final Layers.GroupNorm convNormOut;
    private final Layers.Conv2d convOut;

    Encoder(ParameterTable.Scope scope, AutoencoderKLConfig config) {
        List<Integer> channels = config.blockOutChannels();
        int last = channels.size() - 1;
        ResnetBlock2D.Settings resnet = new ResnetBlock2D.Settings(config.normNumGroups(), EPS, null,
                UNet2DConfig.TimeScaleShift.DEFAULT);
        convIn = new Layers.Conv2d(scope.child("conv_in"), config.inChannels(), channels.get(0), 3, 1, 1);
        int out = channels.get(0);
        for (int i = 0; i <= last; i++) {
            int in = out;
            out = channels.get(i);
            downBlocks.add(new DownBlock2D(scope.child("down_blocks").child(Integer.toString(i)), resnet,
                    config.layersPerBlock(), in, out, i != last ? 0 : null));
        }
        midBlock = new UNetMidBlock2D(scope.child("mid_block"), channels.get(last), resnet);
        convNormOut = new Layers.GroupNorm(scope.child("conv_norm_out"), config.normNumGroups(), channels.get(last),
                EPS);
        convOut = new Layers.Conv2d(scope.child("conv_out"), channels.get(last), 2L * config.latentChannels(), 3, 1,
                1);
    }

    /** (N, in_channels, H, W) to the moments (N, 2 * latent_channels, H / f, W / f). */
    NDArray forward(NDArray sample) {
        NDArray x = Scoped.keep(() -> convIn.forward(sample));
        for (DownBlock2D block : downBlocks) {
            x = block.forward(x, null, null);
        }
        NDArray mid = midBlock.forward(x, null);
        return Scoped.keep(() -> convOut.forward(Layers.silu(convNormOut.forward(mid))));
    }
}
