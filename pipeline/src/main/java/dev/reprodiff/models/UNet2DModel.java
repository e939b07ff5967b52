package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Generator;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * diffusers' {@code UNet2DModel}: the unconditional denoising UNet of DDPM and DDIM, built from its
 * {@code config.json} and loaded from {@code diffusion_pytorch_model.safetensors} by diffusers' parameter names.
 *
 * <pre>{@code
 * try (UNet2DModel unet = UNet2DModel.fromPretrained(Path.of("ddpm-cifar10-32/unet"))) {
 *     NDArray noise = unet.forward(sample, 999);   // ε_θ(x_t, t), on sample's manager
 * }
 * }</pre>
 *
 * <p>The weights live on the model's own {@link NDManager} (a sub-manager of the one passed to the factory, or a new
 * base manager) and are freed by {@link #close()}. {@link #forward} is inference only (no gradients are recorded;
 * {@link #trainingForward} is the forward that training records, with one timestep per sample); its
 * intermediate arrays are closed before it returns, and its result belongs to the caller: it is attached to the
 * sample's manager and, inside an {@link NDScope}, registered with that scope. Loading is strict: the configuration's
 * unsupported values, and weights with missing, unexpected or wrongly shaped parameters, are errors that name them.
 */
public final class UNet2DModel extends ModelMixin<UNet2DConfig> {

    /** The weights file in a model folder, as diffusers' {@code save_pretrained} writes it. */
    public static final String WEIGHTS_NAME = "diffusion_pytorch_model.safetensors";

    private static final Loader<UNet2DConfig, UNet2DModel> LOADER = new Loader<>(WEIGHTS_NAME, UNet2DConfig::of,
            UNet2DModel::new);

    private final Layers.Conv2d convIn;
    private final TimestepEmbedding timeEmbedding;
    private final List<DownBlock2D> downBlocks = new ArrayList<>();
    private final List<UpBlock2D> upBlocks = new ArrayList<>();
    private final UNetMidBlock2D midBlock;
    private final Layers.GroupNorm convNormOut;
    private final Layers.Conv2d convOut;

    private UNet2DModel(UNet2DConfig config) {
        super(config);
        // Modules are created in PyTorch's registration order, so the table follows the state_dict's order.
        List<Integer> channels = config.blockOutChannels();
        int last = channels.size() - 1;
        convIn = new Layers.Conv2d(scope("conv_in."), config.inChannels(), channels.get(0), 3, 1, 1);
        timeEmbedding = new TimestepEmbedding(scope("time_embedding."), channels.get(0),
                config.timeEmbedDim(), config.flipSinToCos(), config.freqShift());
        int out = channels.get(0);
        for (int i = 0; i < channels.size(); i++) {
            int in = out;
            out = channels.get(i);
            boolean attention = config.downBlockTypes().get(i) == UNet2DConfig.DownBlockType.ATTN_DOWN_BLOCK_2D;
            downBlocks.add(new DownBlock2D(scope("down_blocks." + i + "."), config, attention, in, out,
                    i != last));
        }
        List<Integer> reversed = new ArrayList<>(channels);
        Collections.reverse(reversed);
        out = reversed.get(0);
        for (int i = 0; i < reversed.size(); i++) {
            int prevOut = out;
            out = reversed.get(i);
            int in = reversed.get(Math.min(i + 1, last));
            boolean attention = config.upBlockTypes().get(i) == UNet2DConfig.UpBlockType.ATTN_UP_BLOCK_2D;
            upBlocks.add(new UpBlock2D(scope("up_blocks." + i + "."), config, attention, in, out, prevOut,
                    i != last));
        }
        midBlock = new UNetMidBlock2D(scope("mid_block."), config);
        convNormOut = new Layers.GroupNorm(scope("conv_norm_out."), config.normNumGroups(), channels.get(0),
                config.normEps());
        convOut = new Layers.Conv2d(scope("conv_out."), channels.get(0), config.outChannels(), 3, 1, 1);
    }

    /** Loads {@code folder/config.json} and {@code folder/diffusion_pytorch_model.safetensors} on a new manager. */
    public static UNet2DModel fromPretrained(Path folder) {
        return LOADER.fromPretrained(folder);
    }

    /** As {@link #fromPretrained(Path)}, with the weights on a sub-manager of {@code parent}. */
    public static UNet2DModel fromPretrained(Path folder, NDManager parent) {
        return LOADER.fromPretrained(folder, parent);
    }

    /**
     * A model with weights drawn from {@code generator} (uniform in ±1/sqrt(fan_in) as PyTorch's default
     * initialisation bounds them, group norms at identity), for benchmarks and shape tests: the architecture is
     * exact, the outputs are meaningless. The weights live on a sub-manager of {@code parent}.
     */
    public static UNet2DModel withRandomWeights(UNet2DConfig config, Generator generator, NDManager parent) {
        return LOADER.withRandomWeights(config, generator, parent);
    }

    /**
     * A model with the given weights (by diffusers' parameter names, exactly those {@link #parameterShapes(UNet2DConfig)}
     * lists), which it takes over: they move to a sub-manager of {@code parent} and {@link #close()} frees them. For
     * code that holds weights already, such as a training checkpoint.
     */
    public static UNet2DModel withWeights(UNet2DConfig config, Map<String, NDArray> weights, String source,
                                          NDManager parent) {
        return LOADER.withWeights(config, weights, source, parent);
    }

    /**
     * Every parameter name and shape of the model {@code config} describes, in {@code state_dict} order; a
     * checkpoint for that configuration must hold exactly these (35,746,307 parameters for
     * {@code google/ddpm-cifar10-32}).
     */
    public static Map<String, Shape> parameterShapes(UNet2DConfig config) {
        return LOADER.parameterShapes(config);
    }

    /**
     * Predicts the noise (or whatever the model was trained on) for {@code sample} at {@code timestep}, as
     * diffusers' {@code UNet2DModel.forward(sample, timestep).sample}: the timestep is broadcast to the batch and
     * embedded in float32.
     *
     * @param sample float32 (batch, in_channels, height, width); height and width divisible by 2^(blocks-1)
     * @return float32 (batch, out_channels, height, width), on {@code sample}'s manager
     */
    @SuppressWarnings("try")
    public NDArray forward(NDArray sample, double timestep) {
        requireValidSample(sample);
        NDArray output;
        try (NDScope scope = new NDScope()) {
            output = denoise(sample, timestep);
            NDScope.unregister(output);
        }
        NDScope.register(output);
        return output;
    }

    /**
     * The training forward: predicts the noise for {@code sample} with one timestep per sample, as diffusers'
     * {@code UNet2DModel.forward(sample, timesteps)} with a (batch) tensor of timesteps, while autograd records the
     * graph. Call it inside a {@code GradientCollector} after {@code setRequiresGradient(true)} on the arrays of
     * {@link #stateDict()}; the loss's backward then fills their gradients.
     *
     * <p>Every scalar on this path is created natively (see {@link Layers}): a Java number that DJL wraps over Java
     * memory would be freed while autograd still holds it. The intermediate arrays' Java handles are closed as in
     * {@link #forward}; libtorch keeps what the backward pass needs. The values equal {@link #forward}'s for a batch
     * of equal timesteps.
     *
     * @param sample float32 (batch, in_channels, height, width)
     * @param timesteps (batch) timesteps, integer or floating point, on the sample's manager
     * @return float32 (batch, out_channels, height, width), on {@code sample}'s manager
     */
    @SuppressWarnings("try")
    public NDArray trainingForward(NDArray sample, NDArray timesteps) {
        requireValidSample(sample);
        if (timesteps.getShape().dimension() != 1 || timesteps.getShape().get(0) != sample.getShape().get(0)) {
            throw new IllegalArgumentException("UNet2DModel.trainingForward expects one timestep per sample, shape ("
                    + sample.getShape().get(0) + "), but got " + timesteps.getShape());
        }
        return Layers.recordingGradients(() -> {
            NDArray output;
            try (NDScope scope = new NDScope()) {
                NDArray x = config.centerInputSample()
                        ? Layers.add(Layers.mul(sample, 2), -1) : sample;
                output = denoise(x, timeEmbedding.forward(timesteps));
                NDScope.unregister(output);
            }
            NDScope.register(output);
            return output;
        });
    }

    private NDArray denoise(NDArray sample, double timestep) {
        // 0. center input: 2 * x - 1
        NDArray x = config.centerInputSample() ? sample.mul(2).sub(1.0) : sample;
        // 1. time
        NDArray emb = timeEmbedding.forward(sample.getManager(), timestep, sample.getShape().get(0));
        return denoise(x, emb);
    }

    /** Steps 2 to 6 of diffusers' forward, on the centred sample and the time embedding. */
    private NDArray denoise(NDArray x, NDArray emb) {
        // 2. pre-process
        x = convIn.forward(x);
        // 3. down, keeping every block's outputs for the skip connections
        List<NDArray> skips = new ArrayList<>();
        skips.add(x);
        for (DownBlock2D block : downBlocks) {
            x = block.forward(x, emb, skips);
        }
        // 4. mid
        x = midBlock.forward(x, emb);
        // 5. up, consuming the skip connections from the last
        Deque<NDArray> pending = new ArrayDeque<>(skips);
        for (UpBlock2D block : upBlocks) {
            x = block.forward(x, pending, emb);
        }
        // 6. post-process
        return convOut.forward(Layers.silu(convNormOut.forward(x)));
    }

    private void requireValidSample(NDArray sample) {
        Shape shape = sample.getShape();
        int factor = 1 << (config.blockOutChannels().size() - 1);
        if (shape.dimension() != 4 || shape.get(1) != config.inChannels() || shape.get(2) % factor != 0
                || shape.get(3) % factor != 0) {
            throw new IllegalArgumentException("UNet2DModel expects a sample of shape (batch, " + config.inChannels()
                    + ", height, width) with height and width divisible by " + factor + ", but got " + shape);
        }
        if (sample.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("UNet2DModel runs in float32, but the sample is "
                    + sample.getDataType());
        }
    }

    @Override
    public String toString() {
        return "UNet2DModel(" + config.blockOutChannels() + ", " + numParameters() + " parameters)";
    }
}
