package dev.reprodiff.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.models.UNet2DConfig.ActivationFunction;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An {@code AutoencoderKL}'s {@code vae/config.json} (diffusers v0.28.0), bound with {@link ConfigFile#bind}. Keys
 * missing from the file take diffusers' defaults; unknown keys and values reprodiff does not implement are
 * {@link ConfigException}s. The keys later diffusers versions write ({@code shift_factor}, {@code use_quant_conv},
 * {@code use_post_quant_conv}, {@code mid_block_add_attention}) are accepted with their defaults only.
 *
 * @param scalingFactor the pipeline divides latents by it before {@link AutoencoderKL#decode} (0.18215 for SD 1.x)
 * @param forceUpcast ignored: it only matters below float32
 * @param latentsMean ignored by the Stable Diffusion pipeline, as in diffusers
 * @param latentsStd ignored by the Stable Diffusion pipeline, as in diffusers
 */
public record AutoencoderKLConfig(
        Integer inChannels,
        Integer outChannels,
        List<DownBlockType> downBlockTypes,
        List<UpBlockType> upBlockTypes,
        List<Integer> blockOutChannels,
        Integer layersPerBlock,
        ActivationFunction actFn,
        Integer latentChannels,
        Integer normNumGroups,
        JsonNode sampleSize,
        Double scalingFactor,
        Double shiftFactor,
        JsonNode latentsMean,
        JsonNode latentsStd,
        Boolean forceUpcast,
        Boolean useQuantConv,
        Boolean usePostQuantConv,
        Boolean midBlockAddAttention) {

    /** {@code down_block_types} entries. */
    public enum DownBlockType {
        @JsonProperty("DownEncoderBlock2D") DOWN_ENCODER_BLOCK_2D
    }

    /** {@code up_block_types} entries. */
    public enum UpBlockType {
        @JsonProperty("UpDecoderBlock2D") UP_DECODER_BLOCK_2D
    }

    public AutoencoderKLConfig {
        inChannels = Objects.requireNonNullElse(inChannels, 3);
        outChannels = Objects.requireNonNullElse(outChannels, 3);
        downBlockTypes = List.copyOf(Objects.requireNonNullElse(downBlockTypes,
                List.of(DownBlockType.DOWN_ENCODER_BLOCK_2D)));
        upBlockTypes = List.copyOf(Objects.requireNonNullElse(upBlockTypes, List.of(UpBlockType.UP_DECODER_BLOCK_2D)));
        blockOutChannels = List.copyOf(Objects.requireNonNullElse(blockOutChannels, List.of(64)));
        layersPerBlock = Objects.requireNonNullElse(layersPerBlock, 1);
        actFn = Objects.requireNonNullElse(actFn, ActivationFunction.SILU);
        latentChannels = Objects.requireNonNullElse(latentChannels, 4);
        normNumGroups = Objects.requireNonNullElse(normNumGroups, 32);
        scalingFactor = Objects.requireNonNullElse(scalingFactor, 0.18215);
        forceUpcast = Objects.requireNonNullElse(forceUpcast, true);
        useQuantConv = Objects.requireNonNullElse(useQuantConv, true);
        usePostQuantConv = Objects.requireNonNullElse(usePostQuantConv, true);
        midBlockAddAttention = Objects.requireNonNullElse(midBlockAddAttention, true);
    }

    /** Reads and validates a {@code config.json}, as {@link #of(ConfigFile)}. */
    public static AutoencoderKLConfig read(Path configJson) {
        return of(ConfigFile.read(configJson));
    }

    /** Binds and validates a configuration; unknown keys and unsupported values are {@link ConfigException}s. */
    public static AutoencoderKLConfig of(ConfigFile file) {
        var unknown = file.unknownKeys(AutoencoderKLConfig.class);
        if (!unknown.isEmpty()) {
            throw new ConfigException("Unknown keys " + unknown + " in " + file.source() + ": reprodiff's"
                    + " AutoencoderKL does not implement them and will not ignore what could change the"
                    + " architecture; supported keys: " + ConfigFile.knownKeys(AutoencoderKLConfig.class));
        }
        AutoencoderKLConfig config = file.bind(AutoencoderKLConfig.class);
        config.validate(file.source());
        return config;
    }

    void validate(String source) {
        if (shiftFactor != null) {
            throw ConfigException.unsupported(source, "shift_factor", shiftFactor, Arrays.asList((Object) null));
        }
        for (var entry : List.of(List.of("use_quant_conv", useQuantConv), List.of("use_post_quant_conv",
                usePostQuantConv), List.of("mid_block_add_attention", midBlockAddAttention))) {
            if (!(Boolean) entry.get(1)) {
                throw ConfigException.unsupported(source, (String) entry.get(0), false, List.of(true));
            }
        }
        int blocks = blockOutChannels.size();
        if (blocks == 0 || downBlockTypes.size() != blocks || upBlockTypes.size() != blocks) {
            throw new ConfigException("Must provide the same number (at least one) of \"down_block_types\","
                    + " \"up_block_types\" and \"block_out_channels\" in " + source + ": " + downBlockTypes.size()
                    + ", " + upBlockTypes.size() + " and " + blocks);
        }
        if (layersPerBlock < 1) {
            throw new ConfigException("\"layers_per_block\" must be at least 1 in " + source + ", not "
                    + layersPerBlock);
        }
        for (int channels : blockOutChannels) {
            if (normNumGroups <= 0 || channels % normNumGroups != 0) {
                throw new ConfigException("\"block_out_channels\" value " + channels + " is not divisible by"
                        + " \"norm_num_groups\" " + normNumGroups + " in " + source);
            }
        }
    }

    /** How much the VAE scales images down: {@code 2^(len(block_out_channels) - 1)} (8 for SD 1.x). */
    public int scaleFactor() {
        return 1 << (blockOutChannels.size() - 1);
    }
}
