package dev.reprodiff.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.models.UNet2DConfig.ActivationFunction;
import dev.reprodiff.models.UNet2DConfig.TimeScaleShift;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@code UNet2DConditionModel}'s {@code unet/config.json} (diffusers v0.28.0), bound with {@link ConfigFile#bind}.
 * Keys missing from the file take diffusers' defaults. Every key diffusers writes is known; those that select
 * architectures reprodiff does not implement (class or addition embeddings, {@code encoder_hid_proj}, dual or
 * only-cross attention, GLIGEN, other time embeddings, other block types) accept only their default and are
 * otherwise {@link ConfigException#unsupported}; unknown keys are errors too.
 *
 * <p><b>{@code attention_head_dim} is the number of heads.</b> diffusers passes it to the blocks as
 * {@code num_attention_heads} (a historical naming quirk, kept because the SD 1.x checkpoints are written so): SD 1.5's
 * 8 means 8 heads of {@code channels / 8} channels. {@code num_attention_heads} itself must be null, as diffusers
 * requires.
 *
 * @param attentionHeadDim the number of heads, an integer or one per down block
 * @param crossAttentionDim channels of the text states the cross-attention attends to (an integer)
 * @param transformerLayersPerBlock {@code BasicTransformerBlock}s per transformer, an integer or one per down block
 * @param useLinearProjection whether the transformers project with linear layers rather than 1x1 convolutions
 * @param upcastAttention accepted both ways: it only matters below float32
 */
public record UNet2DConditionConfig(
        JsonNode sampleSize,
        Integer inChannels,
        Integer outChannels,
        Boolean centerInputSample,
        Boolean flipSinToCos,
        Double freqShift,
        List<DownBlockType> downBlockTypes,
        MidBlockType midBlockType,
        List<UpBlockType> upBlockTypes,
        JsonNode onlyCrossAttention,
        List<Integer> blockOutChannels,
        Integer layersPerBlock,
        Integer downsamplePadding,
        Double midBlockScaleFactor,
        Double dropout,
        ActivationFunction actFn,
        Integer normNumGroups,
        Double normEps,
        JsonNode crossAttentionDim,
        JsonNode transformerLayersPerBlock,
        JsonNode reverseTransformerLayersPerBlock,
        Integer encoderHidDim,
        String encoderHidDimType,
        JsonNode attentionHeadDim,
        JsonNode numAttentionHeads,
        Boolean dualCrossAttention,
        Boolean useLinearProjection,
        String classEmbedType,
        String additionEmbedType,
        Integer additionTimeEmbedDim,
        Integer numClassEmbeds,
        Boolean upcastAttention,
        TimeScaleShift resnetTimeScaleShift,
        Boolean resnetSkipTimeAct,
        Double resnetOutScaleFactor,
        TimeEmbeddingType timeEmbeddingType,
        Integer timeEmbeddingDim,
        String timeEmbeddingActFn,
        String timestepPostAct,
        Integer timeCondProjDim,
        Integer convInKernel,
        Integer convOutKernel,
        Integer projectionClassEmbeddingsInputDim,
        AttentionType attentionType,
        Boolean classEmbeddingsConcat,
        Boolean midBlockOnlyCrossAttention,
        String crossAttentionNorm,
        Integer additionEmbedTypeNumHeads) {

    /** {@code down_block_types} entries. */
    public enum DownBlockType {
        @JsonProperty("CrossAttnDownBlock2D") CROSS_ATTN_DOWN_BLOCK_2D,
        @JsonProperty("DownBlock2D") DOWN_BLOCK_2D
    }

    /** {@code up_block_types} entries. */
    public enum UpBlockType {
        @JsonProperty("CrossAttnUpBlock2D") CROSS_ATTN_UP_BLOCK_2D,
        @JsonProperty("UpBlock2D") UP_BLOCK_2D
    }

    /** {@code mid_block_type}. */
    public enum MidBlockType {
        @JsonProperty("UNetMidBlock2DCrossAttn") UNET_MID_BLOCK_2D_CROSS_ATTN
    }

    /** {@code time_embedding_type}. */
    public enum TimeEmbeddingType {
        @JsonProperty("positional") POSITIONAL
    }

    /** {@code attention_type}. */
    public enum AttentionType {
        @JsonProperty("default") DEFAULT
    }

    public UNet2DConditionConfig {
        inChannels = Objects.requireNonNullElse(inChannels, 4);
        outChannels = Objects.requireNonNullElse(outChannels, 4);
        centerInputSample = Objects.requireNonNullElse(centerInputSample, false);
        flipSinToCos = Objects.requireNonNullElse(flipSinToCos, true);
        freqShift = Objects.requireNonNullElse(freqShift, 0.0);
        downBlockTypes = List.copyOf(Objects.requireNonNullElse(downBlockTypes, List.of(
                DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D, DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D,
                DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D, DownBlockType.DOWN_BLOCK_2D)));
        midBlockType = Objects.requireNonNullElse(midBlockType, MidBlockType.UNET_MID_BLOCK_2D_CROSS_ATTN);
        upBlockTypes = List.copyOf(Objects.requireNonNullElse(upBlockTypes, List.of(UpBlockType.UP_BLOCK_2D,
                UpBlockType.CROSS_ATTN_UP_BLOCK_2D, UpBlockType.CROSS_ATTN_UP_BLOCK_2D,
                UpBlockType.CROSS_ATTN_UP_BLOCK_2D)));
        blockOutChannels = List.copyOf(Objects.requireNonNullElse(blockOutChannels, List.of(320, 640, 1280, 1280)));
        layersPerBlock = Objects.requireNonNullElse(layersPerBlock, 2);
        downsamplePadding = Objects.requireNonNullElse(downsamplePadding, 1);
        midBlockScaleFactor = Objects.requireNonNullElse(midBlockScaleFactor, 1.0);
        dropout = Objects.requireNonNullElse(dropout, 0.0);
        actFn = Objects.requireNonNullElse(actFn, ActivationFunction.SILU);
        normNumGroups = Objects.requireNonNullElse(normNumGroups, 32);
        normEps = Objects.requireNonNullElse(normEps, 1e-5);
        dualCrossAttention = Objects.requireNonNullElse(dualCrossAttention, false);
        useLinearProjection = Objects.requireNonNullElse(useLinearProjection, false);
        upcastAttention = Objects.requireNonNullElse(upcastAttention, false);
        resnetTimeScaleShift = Objects.requireNonNullElse(resnetTimeScaleShift, TimeScaleShift.DEFAULT);
        resnetSkipTimeAct = Objects.requireNonNullElse(resnetSkipTimeAct, false);
        resnetOutScaleFactor = Objects.requireNonNullElse(resnetOutScaleFactor, 1.0);
        timeEmbeddingType = Objects.requireNonNullElse(timeEmbeddingType, TimeEmbeddingType.POSITIONAL);
        convInKernel = Objects.requireNonNullElse(convInKernel, 3);
        convOutKernel = Objects.requireNonNullElse(convOutKernel, 3);
        attentionType = Objects.requireNonNullElse(attentionType, AttentionType.DEFAULT);
        classEmbeddingsConcat = Objects.requireNonNullElse(classEmbeddingsConcat, false);
        additionEmbedTypeNumHeads = Objects.requireNonNullElse(additionEmbedTypeNumHeads, 64);
    }

    /** Reads and validates a {@code config.json}, as {@link #of(ConfigFile)}. */
    public static UNet2DConditionConfig read(Path configJson) {
        return of(ConfigFile.read(configJson));
    }

    /**
     * Binds and validates a configuration: unknown keys, unsupported values and inconsistent lengths are
     * {@link ConfigException}s naming the file and the key.
     */
    public static UNet2DConditionConfig of(ConfigFile file) {
        var unknown = file.unknownKeys(UNet2DConditionConfig.class);
        if (!unknown.isEmpty()) {
            throw new ConfigException("Unknown keys " + unknown + " in " + file.source() + ": reprodiff's"
                    + " UNet2DConditionModel does not implement them and will not ignore what could change the"
                    + " architecture; supported keys: " + ConfigFile.knownKeys(UNet2DConditionConfig.class));
        }
        for (String key : List.of("mid_block_type", "norm_num_groups", "attention_head_dim", "cross_attention_dim",
                "transformer_layers_per_block", "block_out_channels", "layers_per_block")) {
            JsonNode value = file.get(key);
            if (value != null && value.isNull()) {
                throw ConfigException.unsupported(file.source(), key, null, List.of("a value (null is not"
                        + " implemented)"));
            }
        }
        UNet2DConditionConfig config = file.bind(UNet2DConditionConfig.class);
        config.validate(file.source());
        return config;
    }

    /** Checks what binding cannot: the defaults-only keys, lengths and divisibility. */
    void validate(String source) {
        requireDefault(source, "encoder_hid_dim", encoderHidDim, null);
        requireDefault(source, "encoder_hid_dim_type", encoderHidDimType, null);
        requireDefault(source, "class_embed_type", classEmbedType, null);
        requireDefault(source, "addition_embed_type", additionEmbedType, null);
        requireDefault(source, "addition_time_embed_dim", additionTimeEmbedDim, null);
        requireDefault(source, "num_class_embeds", numClassEmbeds, null);
        requireDefault(source, "time_embedding_dim", timeEmbeddingDim, null);
        requireDefault(source, "time_embedding_act_fn", timeEmbeddingActFn, null);
        requireDefault(source, "timestep_post_act", timestepPostAct, null);
        requireDefault(source, "time_cond_proj_dim", timeCondProjDim, null);
        requireDefault(source, "projection_class_embeddings_input_dim", projectionClassEmbeddingsInputDim, null);
        requireDefault(source, "cross_attention_norm", crossAttentionNorm, null);
        requireDefault(source, "dual_cross_attention", dualCrossAttention, false);
        requireDefault(source, "resnet_skip_time_act", resnetSkipTimeAct, false);
        requireDefault(source, "resnet_out_scale_factor", resnetOutScaleFactor, 1.0);
        requireDefault(source, "class_embeddings_concat", classEmbeddingsConcat, false);
        requireDefault(source, "conv_in_kernel", convInKernel, 3);
        requireDefault(source, "conv_out_kernel", convOutKernel, 3);
        if (midBlockOnlyCrossAttention != null && midBlockOnlyCrossAttention) {
            throw ConfigException.unsupported(source, "mid_block_only_cross_attention", true,
                    Arrays.asList(null, false));
        }
        if (numAttentionHeads != null && !numAttentionHeads.isNull()) {
            throw new ConfigException("Unsupported value " + numAttentionHeads + " for \"num_attention_heads\" in "
                    + source + "; supported values: null. As in diffusers, SD configs give the number of heads as"
                    + " \"attention_head_dim\".");
        }
        if (reverseTransformerLayersPerBlock != null && !reverseTransformerLayersPerBlock.isNull()) {
            throw ConfigException.unsupported(source, "reverse_transformer_layers_per_block",
                    reverseTransformerLayersPerBlock.toString(), Arrays.asList((Object) null));
        }
        if (onlyCrossAttention != null && !onlyCrossAttention.isNull()) {
            for (JsonNode value : onlyCrossAttention.isArray() ? onlyCrossAttention : List.of(onlyCrossAttention)) {
                if (!value.isBoolean() || value.asBoolean()) {
                    throw ConfigException.unsupported(source, "only_cross_attention", onlyCrossAttention.toString(),
                            List.of(false));
                }
            }
        }
        int blocks = blockOutChannels.size();
        if (blocks == 0) {
            throw new ConfigException("\"block_out_channels\" is empty in " + source);
        }
        if (downBlockTypes.size() != blocks || upBlockTypes.size() != blocks) {
            throw new ConfigException("Must provide the same number of \"down_block_types\", \"up_block_types\" and"
                    + " \"block_out_channels\" in " + source + ": " + downBlockTypes.size() + ", "
                    + upBlockTypes.size() + " and " + blocks);
        }
        if (layersPerBlock < 1) {
            throw new ConfigException("\"layers_per_block\" must be at least 1 in " + source + ", not "
                    + layersPerBlock);
        }
        crossAttentionDim(source);
        List<Integer> heads = perBlock(source, "attention_head_dim", attentionHeadDim, 8);
        List<Integer> layers = perBlock(source, "transformer_layers_per_block", transformerLayersPerBlock, 1);
        for (int i = 0; i < blocks; i++) {
            int channels = blockOutChannels.get(i);
            requireDivisible(source, "block_out_channels", channels, "norm_num_groups", normNumGroups);
            boolean attention = downBlockTypes.get(i) == DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D
                    || upBlockTypes.get(blocks - 1 - i) == UpBlockType.CROSS_ATTN_UP_BLOCK_2D || i == blocks - 1;
            if (attention) {
                requireDivisible(source, "block_out_channels", channels, "attention_head_dim (the number of heads)",
                        heads.get(i));
            }
            if (layers.get(i) < 1) {
                throw new ConfigException("\"transformer_layers_per_block\" must be at least 1 in " + source);
            }
        }
        ConfigChecks.requireSampleSize(source, sampleSize);
        ConfigChecks.requireEpsilon(source, "norm_eps", normEps);
    }

    private static void requireDefault(String source, String key, Object value, Object supported) {
        if (!Objects.equals(value, supported)) {
            throw ConfigException.unsupported(source, key, value, Arrays.asList(supported));
        }
    }

    private static void requireDivisible(String source, String key, int value, String divisorKey, int divisor) {
        if (divisor <= 0 || value % divisor != 0) {
            throw new ConfigException("\"" + key + "\" value " + value + " is not divisible by \"" + divisorKey
                    + "\" " + divisor + " in " + source);
        }
    }

    /** An integer, or a list with one integer per down block, as a list with one entry per down block. */
    private List<Integer> perBlock(String source, String key, JsonNode value, int defaultValue) {
        int blocks = blockOutChannels.size();
        List<Integer> values = new ArrayList<>();
        if (value == null || value.isNull()) {
            values.addAll(java.util.Collections.nCopies(blocks, defaultValue));
        } else if (value.isInt()) {
            values.addAll(java.util.Collections.nCopies(blocks, value.asInt()));
        } else if (value.isArray() && value.size() == blocks) {
            for (JsonNode item : value) {
                if (!item.isInt()) {
                    throw new ConfigException("Invalid value " + value + " for \"" + key + "\" in " + source
                            + ": expected an integer or a list of " + blocks + " integers");
                }
                values.add(item.asInt());
            }
        } else {
            throw new ConfigException("Invalid value " + value + " for \"" + key + "\" in " + source
                    + ": expected an integer or a list of " + blocks + " integers (one per down block)");
        }
        return values;
    }

    private int crossAttentionDim(String source) {
        if (crossAttentionDim == null || crossAttentionDim.isNull()) {
            return 1280;
        }
        if (!crossAttentionDim.isInt() || crossAttentionDim.asInt() < 1) {
            throw new ConfigException("Unsupported value " + crossAttentionDim + " for \"cross_attention_dim\" in "
                    + source + "; supported values: a positive integer (one per block is not implemented)");
        }
        return crossAttentionDim.asInt();
    }

    /** The width of the text states the cross-attentions attend to ({@code cross_attention_dim}). */
    public int crossAttentionDimension() {
        return crossAttentionDim("the UNet config");
    }

    /** The number of attention heads of down block {@code i}'s transformers ({@code attention_head_dim}). */
    public int attentionHeads(int block) {
        return perBlock("the UNet config", "attention_head_dim", attentionHeadDim, 8).get(block);
    }

    /** {@code BasicTransformerBlock}s per transformer of down block {@code i}. */
    public int transformerLayers(int block) {
        return perBlock("the UNet config", "transformer_layers_per_block", transformerLayersPerBlock, 1).get(block);
    }

    /** The sample height, from {@code sample_size}. */
    public int sampleHeight() {
        return sampleSizeAt(0);
    }

    /** The sample width, from {@code sample_size}. */
    public int sampleWidth() {
        return sampleSizeAt(1);
    }

    private int sampleSizeAt(int index) {
        if (sampleSize == null || sampleSize.isNull()) {
            throw new ConfigException("The UNet config has no \"sample_size\": the image size is unknown");
        }
        return sampleSize.isInt() ? sampleSize.asInt() : sampleSize.get(index).asInt();
    }

    /** The time embedding's width, {@code block_out_channels[0] * 4}. */
    public int timeEmbedDim() {
        return blockOutChannels.get(0) * 4;
    }
}
