package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' {@code UNetMidBlock2DCrossAttn} with one layer: resnet, {@link Transformer2DModel}, resnet, the resnets
 * dividing their output by {@code mid_block_scale_factor}.
 */
final class UNetMidBlock2DCrossAttn {

    private final Transformer2DModel attention;
    private final ResnetBlock2D first;
    private final ResnetBlock2D second;

    UNetMidBlock2DCrossAttn(ParameterTable.Scope scope, ResnetBlock2D.Settings resnet, int channels, int heads,
                            Transformer2DModel.Settings transformer, double outputScaleFactor) {
        attention = new Transformer2DModel(scope.child("attentions").child("0"), channels, heads, transformer);
        first = new ResnetBlock2D(scope.child("resnets").child("0"), channels, channels, resnet, outputScaleFactor);
        second = new ResnetBlock2D(scope.child("resnets").child("1"), channels, channels, resnet, outputScaleFactor);
    }

    NDArray forward(NDArray hidden, NDArray temb, NDArray context) {
        NDArray afterFirst = Scoped.keep(() -> first.forward(hidden, temb));
        NDArray afterAttention = attention.forward(afterFirst, context);
        return Scoped.keep(() -> second.forward(afterAttention, temb));
    }
}
