package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.models.UNet2DConditionConfig.DownBlockType;
import dev.reprodiff.models.UNet2DConditionConfig.UpBlockType;
import dev.reprodiff.random.Generator;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * diffusers' {@code UNet2DConditionModel}: the text-conditioned denoising UNet of Stable Diffusion 1.x, built from its
 * {@code config.json} and loaded from {@code diffusion_pytorch_model.safetensors} by diffusers' parameter names.
 *
 * <pre>{@code
 * try (UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(Path.of("stable-diffusion-v1-5/unet"))) {
 *     NDArray noise = unet.forward(latents, 981, promptEmbeds);   // ε_θ(x_t, t, c), on latents' manager
 * }
 * }</pre>
 *
 * <p>Down blocks are {@code CrossAttnDownBlock2D} or {@code DownBlock2D}, the mid block {@code UNetMidBlock2DCrossAttn},
 * up blocks {@code CrossAttnUpBlock2D} or {@code UpBlock2D}; the transformers attend to the text states with
 * {@code attention_head_dim} heads (the number of heads, in diffusers' SD naming). The weights live on the model's own
 * {@link NDManager} and are freed by {@link #close()}. {@link #forward} is inference only; each block's intermediates
 * are closed as soon as the block returns, and the result belongs to the caller (attached to the sample's manager
 * and, inside an {@link NDScope}, registered with it). Loading is strict, as {@link UNet2DModel}'s.
 */
public final class UNet2DConditionModel extends ModelMixin<UNet2DConditionConfig> {

    /** The weights file in a model folder, as diffusers' {@code save_pretrained} writes it. */
    public static final String WEIGHTS_NAME = "diffusion_pytorch_model.safetensors";

    private static final Loader<UNet2DConditionConfig, UNet2DConditionModel> LOADER = new Loader<>(WEIGHTS_NAME,
            UNet2DConditionConfig::of, UNet2DConditionModel::new);

    /** One down block of either type, as the forward pass calls it. */
    private interface DownStage {
        NDArray forward(NDArray hidden, NDArray temb, NDArray context, List<NDArray> outputStates);
    }

    /** One up block of either type, as the forward pass calls it. */
    private interface UpStage {
        int numResnets();

        NDArray forward(NDArray hidden, ArrayDeque<NDArray> skips, NDArray temb, NDArray context, long[] size);
    }

    private final Layers.Conv2d convIn;
    private final TimestepEmbedding timeEmbedding;
    private final List<DownStage> downBlocks = new ArrayList<>();
    private final List<UpStage> upBlocks = new ArrayList<>();
    private final UNetMidBlock2DCrossAttn midBlock;
    private final Layers.GroupNorm convNormOut;
    private final Layers.Conv2d convOut;

    private UNet2DConditionModel(UNet2DConditionConfig config) {
        super(config);
        // Modules are created in PyTorch's registration order (down_blocks and up_blocks are registered before
        // mid_block), so the table follows the state_dict's order.
        List<Integer> channels = config.blockOutChannels();
        int last = channels.size() - 1;
        int crossDim = config.crossAttentionDimension();
        ResnetBlock2D.Settings resnet = new ResnetBlock2D.Settings(config.normNumGroups(), config.normEps(),
                config.timeEmbedDim(), config.resnetTimeScaleShift());
        convIn = new Layers.Conv2d(scope("conv_in."), config.inChannels(), channels.get(0), 3, 1, 1);
        timeEmbedding = new TimestepEmbedding(scope("time_embedding."), channels.get(0),
                config.timeEmbedDim(), config.flipSinToCos(), config.freqShift());
        int out = channels.get(0);
        for (int i = 0; i <= last; i++) {
            int in = out;
            out = channels.get(i);
            ParameterTable.Scope scope = scope("down_blocks." + i + ".");
            Integer padding = i != last ? config.downsamplePadding() : null;
            if (config.downBlockTypes().get(i) == DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D) {
                CrossAttnDownBlock2D block = new CrossAttnDownBlock2D(scope, resnet, config.layersPerBlock(), in, out,
                        config.attentionHeads(i), transformer(config.transformerLayers(i), crossDim), padding);
                downBlocks.add(block::forward);
            } else {
                DownBlock2D block = new DownBlock2D(scope, resnet, config.layersPerBlock(), in, out, padding);
                downBlocks.add((hidden, temb, context, states) -> block.forward(hidden, temb, states));
            }
        }
        List<Integer> reversed = new ArrayList<>(channels);
        Collections.reverse(reversed);
        out = reversed.get(0);
        for (int i = 0; i <= last; i++) {
            int prevOut = out;
            out = reversed.get(i);
            int in = reversed.get(Math.min(i + 1, last));
            int down = last - i;   // the down block of the same resolution
            ParameterTable.Scope scope = scope("up_blocks." + i + ".");
            if (config.upBlockTypes().get(i) == UpBlockType.CROSS_ATTN_UP_BLOCK_2D) {
                CrossAttnUpBlock2D block = new CrossAttnUpBlock2D(scope, resnet, config.layersPerBlock() + 1, in, out,
                        prevOut, config.attentionHeads(down), transformer(config.transformerLayers(down), crossDim),
                        i != last);
                upBlocks.add(new UpStage() {
                    public int numResnets() {
                        return block.numResnets();
                    }

                    public NDArray forward(NDArray h, ArrayDeque<NDArray> s, NDArray t, NDArray c, long[] size) {
                        return block.forward(h, s, t, c, size);
                    }
                });
            } else {
                UpBlock2D block = new UpBlock2D(scope, resnet, config.layersPerBlock() + 1, in, out, prevOut,
                        i != last);
                upBlocks.add(new UpStage() {
                    public int numResnets() {
                        return block.numResnets();
                    }

                    public NDArray forward(NDArray h, ArrayDeque<NDArray> s, NDArray t, NDArray c, long[] size) {
                        return block.forward(h, s, t, size);
                    }
                });
            }
        }
        midBlock = new UNetMidBlock2DCrossAttn(scope("mid_block."), resnet, channels.get(last),
                config.attentionHeads(last), transformer(config.transformerLayers(last), crossDim),
                config.midBlockScaleFactor());
        convNormOut = new Layers.GroupNorm(scope("conv_norm_out."), config.normNumGroups(), channels.get(0),
                config.normEps());
        convOut = new Layers.Conv2d(scope("conv_out."), channels.get(0), config.outChannels(), 3, 1, 1);
    }

    private Transformer2DModel.Settings transformer(int layers, int crossDim) {
        return new Transformer2DModel.Settings(layers, crossDim, config.normNumGroups(), config.useLinearProjection());
    }

    /** Loads {@code folder/config.json} and {@code folder/diffusion_pytorch_model.safetensors} on a new manager. */
    public static UNet2DConditionModel fromPretrained(Path folder) {
        return LOADER.fromPretrained(folder);
    }

    /** As {@link #fromPretrained(Path)}, with the weights on a sub-manager of {@code parent}. */
    public static UNet2DConditionModel fromPretrained(Path folder, NDManager parent) {
        return LOADER.fromPretrained(folder, parent);
    }

    /**
     * A model with weights drawn from {@code generator} (uniform in ±1/sqrt(fan_in), norms at identity), for
     * benchmarks and shape tests: the architecture is exact, the outputs are meaningless. The weights live on a
     * sub-manager of {@code parent}.
     */
    public static UNet2DConditionModel withRandomWeights(UNet2DConditionConfig config, Generator generator,
                                                         NDManager parent) {
        return LOADER.withRandomWeights(config, generator, parent);
    }

    /**
     * Every parameter name and shape of the model {@code config} describes, in {@code state_dict} order; a
     * checkpoint for that configuration must hold exactly these (859,520,964 parameters for Stable Diffusion 1.5).
     */
    public static Map<String, Shape> parameterShapes(UNet2DConditionConfig config) {
        return LOADER.parameterShapes(config);
    }

    /**
     * Predicts the noise for {@code sample} at {@code timestep} conditioned on the text states, as diffusers'
     * {@code UNet2DConditionModel.forward(sample, timestep, encoder_hidden_states).sample}: the timestep is broadcast
     * to the batch and embedded in float32. Heights and widths that are not multiples of 2^(blocks-1) are upsampled
     * to the skip connections' sizes, as diffusers' {@code forward_upsample_size}.
     *
     * @param sample float32 (batch, in_channels, height, width)
     * @param encoderHiddenStates float32 (batch, sequence, cross_attention_dim), the text encoder's last hidden state
     * @return float32 (batch, out_channels, height, width), on {@code sample}'s manager
     */
    @SuppressWarnings("try")
    public NDArray forward(NDArray sample, double timestep, NDArray encoderHiddenStates) {
        requireValidInputs(sample, encoderHiddenStates);
        NDArray output;
        try (NDScope scope = new NDScope()) {
            output = denoise(sample, timestep, encoderHiddenStates);
            NDScope.unregister(output);
        }
        NDScope.register(output);
        return output;
    }

    private NDArray denoise(NDArray sample, double timestep, NDArray context) {
        int upFactor = 1 << (config.blockOutChannels().size() - 1);
        boolean forwardUpsampleSize = sample.getShape().get(2) % upFactor != 0
                || sample.getShape().get(3) % upFactor != 0;
        // 0. center input: 2 * x - 1
        NDArray x = config.centerInputSample() ? sample.mul(2).sub(1.0) : sample;
        // 1. time
        NDArray emb = timeEmbedding.forward(sample.getManager(), timestep, sample.getShape().get(0));
        // 2. pre-process
        x = convIn.forward(x);
        // 3. down, keeping every block's outputs for the skip connections
        List<NDArray> states = new ArrayList<>();
        states.add(x);
        for (DownStage block : downBlocks) {
            x = block.forward(x, emb, context, states);
        }
        // 4. mid
        x = midBlock.forward(x, emb, context);
        // 5. up, consuming the skip connections from the last
        for (int i = 0; i < upBlocks.size(); i++) {
            UpStage block = upBlocks.get(i);
            int remaining = states.size() - block.numResnets();
            ArrayDeque<NDArray> skips = new ArrayDeque<>(states.subList(remaining, states.size()));
            states = states.subList(0, remaining);
            long[] upsampleSize = i < upBlocks.size() - 1 && forwardUpsampleSize
                    ? states.get(states.size() - 1).getShape().slice(2).getShape() : null;
            x = block.forward(x, skips, emb, context, upsampleSize);
        }
        // 6. post-process
        NDArray hidden = x;
        return Scoped.keep(() -> convOut.forward(Layers.silu(convNormOut.forward(hidden))));
    }

    private void requireValidInputs(NDArray sample, NDArray encoderHiddenStates) {
        Shape shape = sample.getShape();
        if (shape.dimension() != 4 || shape.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("UNet2DConditionModel expects a sample of shape (batch, "
                    + config.inChannels() + ", height, width), but got " + shape);
        }
        if (sample.getDataType() != DataType.FLOAT32 || encoderHiddenStates.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("UNet2DConditionModel runs in float32, but the sample is "
                    + sample.getDataType() + " and the encoder hidden states are "
                    + encoderHiddenStates.getDataType());
        }
        Shape context = encoderHiddenStates.getShape();
        int crossDim = config.crossAttentionDimension();
        if (context.dimension() != 3 || context.get(0) != shape.get(0) || context.get(2) != crossDim) {
            throw new IllegalArgumentException("UNet2DConditionModel expects encoder hidden states of shape ("
                    + shape.get(0) + ", sequence, " + crossDim + ") (batch of the sample, cross_attention_dim "
                    + crossDim + "), but got " + context);
        }
    }

    /**
     * diffusers' {@code set_attention_slice}: every attention layer computes its scores a slice of the
     * (batch * heads) axis at a time, which bounds the largest arrays of a step (the scores) by the slice instead of
     * the whole batch, at a small cost in speed; the results are the same within float rounding (libtorch picks its
     * batched products' kernels by batch size).
     *
     * @param sliceSize {@code "auto"} (half of each layer's heads: two slices per head group), {@code "max"} (one row at
     *                  a time, the least memory) or a number of rows, 1 to the layers' heads
     */
    public void setAttentionSlice(String sliceSize) {
        List<Attention> attentions = table().attentions();
        switch (sliceSize) {
            case "auto" -> attentions.forEach(a -> a.setSliceSize(Math.max(1, a.heads() / 2)));
            case "max" -> attentions.forEach(a -> a.setSliceSize(1));
            default -> {
                int size;
                try {
                    size = Integer.parseInt(sliceSize);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("An attention slice size is \"auto\", \"max\" or a number of"
                            + " rows, not \"" + sliceSize + "\"", e);
                }
                setAttentionSlice(size);
            }
        }
    }

    /** {@link #setAttentionSlice(String)} with a number of rows; 0 turns slicing off. */
    public void setAttentionSlice(int sliceSize) {
        int fewestHeads = table().attentions().stream().mapToInt(Attention::heads).min().orElse(0);
        if (sliceSize < 0 || sliceSize > fewestHeads) {
            throw new IllegalArgumentException("An attention slice size must be between 1 and the fewest heads of a"
                    + " layer, " + fewestHeads + " (or 0 for no slicing), but got " + sliceSize
                    + "; use \"max\" for the least memory");
        }
        table().attentions().forEach(a -> a.setSliceSize(sliceSize));
    }

    @Override
    public String toString() {
        return "UNet2DConditionModel(" + config.blockOutChannels() + ", " + numParameters() + " parameters)";
    }
}
