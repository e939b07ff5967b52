package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.models.UNet2DConfig.TimeScaleShift;

/** diffusers' {@code ResnetBlock2D} (pre-norm, SiLU, no up/down sampling): two 3x3 convolutions and a skip. */
final class ResnetBlock2D {

    private final Layers.GroupNorm norm1;
    private final Layers.Conv2d conv1;
    private final Layers.Linear timeEmbProj;
    private final Layers.GroupNorm norm2;
    private final Layers.Conv2d conv2;
    private final Layers.Conv2d convShortcut;
    private final TimeScaleShift timeScaleShift;
    private final double outputScaleFactor;
    private final Shape timeShape;

    /**
     * The norms, the time embedding and the skip as a model configures them.
     *
     * @param tembChannels width of the time embedding, or {@code null} for none (the VAE: no {@code time_emb_proj})
     */
    record Settings(int groups, double eps, Integer tembChannels, TimeScaleShift timeScaleShift) {

        static Settings of(UNet2DConfig config) {
            return new Settings(config.normNumGroups(), config.normEps(), config.timeEmbedDim(),
                    config.resnetTimeScaleShift());
        }
    }

    ResnetBlock2D(ParameterTable.Scope scope, int in, int out, UNet2DConfig config, double outputScaleFactor) {
        this(scope, in, out, Settings.of(config), outputScaleFactor);
    }

    ResnetBlock2D(ParameterTable.Scope scope, int in, int out, Settings settings, double outputScaleFactor) {
        int groups = settings.groups();
        this.timeScaleShift = settings.timeScaleShift();
        this.outputScaleFactor = outputScaleFactor;
        norm1 = new Layers.GroupNorm(scope.child("norm1"), groups, in, settings.eps());
        conv1 = new Layers.Conv2d(scope.child("conv1"), in, out, 3, 1, 1);
        int projected = timeScaleShift == TimeScaleShift.SCALE_SHIFT ? 2 * out : out;
        timeShape = new Shape(-1, projected, 1, 1); // one reshape, not two expandDims
        timeEmbProj = settings.tembChannels() == null ? null
                : new Layers.Linear(scope.child("time_emb_proj"), settings.tembChannels(), projected);
        norm2 = new Layers.GroupNorm(scope.child("norm2"), groups, out, settings.eps());
        conv2 = new Layers.Conv2d(scope.child("conv2"), out, out, 3, 1, 1);
        convShortcut = in != out ? new Layers.Conv2d(scope.child("conv_shortcut"), in, out, 1, 1, 0) : null;
    }

    NDArray forward(NDArray input, NDArray temb) {
        NDArray hidden = conv1.forward(Layers.silu(norm1.forward(input)));
        if (timeEmbProj == null) {
            hidden = norm2.forward(hidden);
        } else if (timeScaleShift == TimeScaleShift.DEFAULT) {
            NDArray time = timeEmbProj.forward(Layers.silu(temb)).reshape(timeShape);
            hidden = norm2.forward(hidden.add(time));
        } else {
            // scale_shift: h = norm2(h) * (1 + scale) + shift, with [scale, shift] = chunk(temb, 2)
            NDArray time = timeEmbProj.forward(Layers.silu(temb)).reshape(timeShape);
            NDList scaleShift = time.split(2, 1);
            hidden = norm2.forward(hidden).mul(Layers.add(scaleShift.get(0), 1)).add(scaleShift.get(1));
        }
        hidden = conv2.forward(Layers.silu(hidden));
        NDArray skip = convShortcut == null ? input : convShortcut.forward(input);
        NDArray output = skip.add(hidden);
        return outputScaleFactor == 1.0 ? output : Layers.div(output, outputScaleFactor);
    }
}
