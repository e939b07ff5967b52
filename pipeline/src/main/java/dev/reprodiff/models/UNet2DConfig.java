package dev.reprodiff.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;

import java.util.List;
import java.util.Objects;

/**
 * A {@code UNet2DModel}'s {@code unet/config.json}, bound with {@link ConfigFile#bind}. Keys missing from the file
 * take diffusers' defaults (v0.28.0); values reprodiff does not implement are {@link ConfigException}s that name the
 * key, the value and what is supported. {@link #of(ConfigFile)} also rejects keys this record does not know, since
 * an ignored key could change the architecture.
 *
 * @param sampleSize height and width of the samples, an integer or {@code [height, width]} ({@code null}: unknown)
 * @param inChannels channels of the input sample
 * @param outChannels channels of the output
 * @param centerInputSample whether the model maps its input with {@code 2 * x - 1} first
 * @param timeEmbeddingType only {@code positional} (sinusoidal) is supported
 * @param freqShift the embedding's {@code downscale_freq_shift}
 * @param flipSinToCos whether the embedding is {@code [cos, sin]} rather than {@code [sin, cos]}
 * @param downBlockTypes one per resolution, from the highest
 * @param upBlockTypes one per resolution, from the lowest
 * @param blockOutChannels channels of each resolution's blocks
 * @param layersPerBlock resnets per down block (up blocks have one more)
 * @param midBlockScaleFactor the mid block's output scale factor
 * @param downsamplePadding padding of the downsampling convolutions (0: pad right and bottom by one instead)
 * @param downsampleType only {@code conv}
 * @param upsampleType only {@code conv}
 * @param dropout ignored: inference only
 * @param actFn only {@code silu} (alias {@code swish})
 * @param attentionHeadDim channels per attention head ({@code null}: one head)
 * @param normNumGroups groups of every group norm
 * @param attnNormNumGroups groups of the mid block attention's group norm ({@code null}: {@code norm_num_groups}
 *        with {@code resnet_time_scale_shift} {@code default}, no group norm with {@code scale_shift})
 * @param normEps epsilon of every group norm
 * @param resnetTimeScaleShift how resnets add the time embedding
 * @param addAttention whether the mid block has attention
 * @param classEmbedType must be {@code null} (no class conditioning)
 * @param numClassEmbeds must be {@code null} (no class conditioning)
 * @param numTrainTimesteps only used by the {@code learned} time embedding; ignored
 */
public record UNet2DConfig(
        JsonNode sampleSize,
        Integer inChannels,
        Integer outChannels,
        Boolean centerInputSample,
        TimeEmbeddingType timeEmbeddingType,
        Double freqShift,
        Boolean flipSinToCos,
        List<DownBlockType> downBlockTypes,
        List<UpBlockType> upBlockTypes,
        List<Integer> blockOutChannels,
        Integer layersPerBlock,
        Double midBlockScaleFactor,
        Integer downsamplePadding,
        ResampleType downsampleType,
        ResampleType upsampleType,
        Double dropout,
        ActivationFunction actFn,
        Integer attentionHeadDim,
        Integer normNumGroups,
        Integer attnNormNumGroups,
        Double normEps,
        TimeScaleShift resnetTimeScaleShift,
        Boolean addAttention,
        String classEmbedType,
        Integer numClassEmbeds,
        Integer numTrainTimesteps) {

    /** {@code time_embedding_type}. */
    public enum TimeEmbeddingType {
        @JsonProperty("positional") POSITIONAL
    }

    /** {@code down_block_types} entries. */
    public enum DownBlockType {
        @JsonProperty("DownBlock2D") DOWN_BLOCK_2D,
        @JsonProperty("AttnDownBlock2D") ATTN_DOWN_BLOCK_2D
    }

    /** {@code up_block_types} entries. */
    public enum UpBlockType {
        @JsonProperty("UpBlock2D") UP_BLOCK_2D,
        @JsonProperty("AttnUpBlock2D") ATTN_UP_BLOCK_2D
    }

    /** {@code downsample_type} and {@code upsample_type}. */
    public enum ResampleType {
        @JsonProperty("conv") CONV
    }

    /** {@code act_fn}: diffusers maps both names to {@code nn.SiLU}. */
    public enum ActivationFunction {
        @JsonProperty("silu") SILU,
        @JsonProperty("swish") SWISH
    }

    /** {@code resnet_time_scale_shift}: add the projected embedding, or scale and shift the normalized features. */
    public enum TimeScaleShift {
        @JsonProperty("default") DEFAULT,
        @JsonProperty("scale_shift") SCALE_SHIFT
    }

    public UNet2DConfig {
        inChannels = Objects.requireNonNullElse(inChannels, 3);
        outChannels = Objects.requireNonNullElse(outChannels, 3);
        centerInputSample = Objects.requireNonNullElse(centerInputSample, false);
        timeEmbeddingType = Objects.requireNonNullElse(timeEmbeddingType, TimeEmbeddingType.POSITIONAL);
        freqShift = Objects.requireNonNullElse(freqShift, 0.0);
        flipSinToCos = Objects.requireNonNullElse(flipSinToCos, true);
        downBlockTypes = List.copyOf(Objects.requireNonNullElse(downBlockTypes, List.of(DownBlockType.DOWN_BLOCK_2D,
                DownBlockType.ATTN_DOWN_BLOCK_2D, DownBlockType.ATTN_DOWN_BLOCK_2D, DownBlockType.ATTN_DOWN_BLOCK_2D)));
        upBlockTypes = List.copyOf(Objects.requireNonNullElse(upBlockTypes, List.of(UpBlockType.ATTN_UP_BLOCK_2D,
                UpBlockType.ATTN_UP_BLOCK_2D, UpBlockType.ATTN_UP_BLOCK_2D, UpBlockType.UP_BLOCK_2D)));
        blockOutChannels = List.copyOf(Objects.requireNonNullElse(blockOutChannels, List.of(224, 448, 672, 896)));
        layersPerBlock = Objects.requireNonNullElse(layersPerBlock, 2);
        midBlockScaleFactor = Objects.requireNonNullElse(midBlockScaleFactor, 1.0);
        downsamplePadding = Objects.requireNonNullElse(downsamplePadding, 1);
        downsampleType = Objects.requireNonNullElse(downsampleType, ResampleType.CONV);
        upsampleType = Objects.requireNonNullElse(upsampleType, ResampleType.CONV);
        dropout = Objects.requireNonNullElse(dropout, 0.0);
        actFn = Objects.requireNonNullElse(actFn, ActivationFunction.SILU);
        normNumGroups = Objects.requireNonNullElse(normNumGroups, 32);
        normEps = Objects.requireNonNullElse(normEps, 1e-5);
        resnetTimeScaleShift = Objects.requireNonNullElse(resnetTimeScaleShift, TimeScaleShift.DEFAULT);
        addAttention = Objects.requireNonNullElse(addAttention, true);
    }

    /** Reads and validates a {@code config.json}, as {@link #of(ConfigFile)}. */
    public static UNet2DConfig read(java.nio.file.Path configJson) {
        return of(ConfigFile.read(configJson));
    }

    /**
     * Binds and validates a configuration: unknown keys, unsupported values and inconsistent lengths are
     * {@link ConfigException}s naming the file and the key.
     */
    public static UNet2DConfig of(ConfigFile file) {
        var unknown = file.unknownKeys(UNet2DConfig.class);
        if (!unknown.isEmpty()) {
            throw new ConfigException("Unknown keys " + unknown + " in " + file.source() + ": reprodiff's UNet2DModel"
                    + " does not implement them and will not ignore what could change the architecture; supported"
                    + " keys: " + ConfigFile.knownKeys(UNet2DConfig.class));
        }
        UNet2DConfig config = file.bind(UNet2DConfig.class);
        config.validate(file.source());
        return config;
    }

    /** Checks what binding cannot: nulls, lengths and divisibility, as diffusers' constructor does. */
    void validate(String source) {
        if (classEmbedType != null) {
            throw ConfigException.unsupported(source, "class_embed_type", classEmbedType, java.util.Arrays.asList(
                    (Object) null));
        }
        if (numClassEmbeds != null) {
            throw ConfigException.unsupported(source, "num_class_embeds", numClassEmbeds, java.util.Arrays.asList(
                    (Object) null));
        }
        if (downBlockTypes.size() != upBlockTypes.size()) {
            throw new ConfigException("Must provide the same number of \"down_block_types\" as \"up_block_types\" in "
                    + source + ": " + downBlockTypes.size() + " versus " + upBlockTypes.size());
        }
        if (blockOutChannels.size() != downBlockTypes.size()) {
            throw new ConfigException("Must provide the same number of \"block_out_channels\" as \"down_block_types\""
                    + " in " + source + ": " + blockOutChannels.size() + " versus " + downBlockTypes.size());
        }
        if (blockOutChannels.isEmpty()) {
            throw new ConfigException("\"block_out_channels\" is empty in " + source);
        }
        int last = blockOutChannels.size() - 1;
        for (int i = 0; i <= last; i++) {
            requireDivisible(source, "block_out_channels", blockOutChannels.get(i), "norm_num_groups",
                    normNumGroups);
            boolean attention = downBlockTypes.get(i) == DownBlockType.ATTN_DOWN_BLOCK_2D
                    || upBlockTypes.get(last - i) == UpBlockType.ATTN_UP_BLOCK_2D || (i == last && addAttention);
            if (attention && attentionHeadDim != null) {
                requireDivisible(source, "block_out_channels", blockOutChannels.get(i), "attention_head_dim",
                        attentionHeadDim);
            }
        }
        if (attnNormNumGroups != null) {
            requireDivisible(source, "block_out_channels", blockOutChannels.get(blockOutChannels.size() - 1),
                    "attn_norm_num_groups", attnNormNumGroups);
        }
        if (layersPerBlock < 1) {
            throw new ConfigException("\"layers_per_block\" must be at least 1 in " + source + ", not "
                    + layersPerBlock);
        }
        ConfigChecks.requireSampleSize(source, sampleSize);
        ConfigChecks.requireEpsilon(source, "norm_eps", normEps);
    }

    private static void requireDivisible(String source, String key, int value, String divisorKey, int divisor) {
        if (divisor <= 0 || value % divisor != 0) {
            throw new ConfigException("\"" + key + "\" value " + value + " is not divisible by \"" + divisorKey
                    + "\" " + divisor + " in " + source);
        }
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
