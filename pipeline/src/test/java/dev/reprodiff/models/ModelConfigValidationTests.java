package dev.reprodiff.models;

import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Configuration values that diffusers would refuse, or that binding would silently truncate, are config errors naming
 * the key, the value, the file and what is allowed, before any tensor is made.
 */
class ModelConfigValidationTests {

    private static final ConfigFile UNET = ConfigFile.read(FixtureFiles.path("unet2d/ddim-test-tiny/model/unet")
            .resolve(ModelMixin.CONFIG_NAME));
    private static final ConfigFile SD_UNET = ConfigFile.read(FixtureFiles.path("sd-tiny/model/unet")
            .resolve(ModelMixin.CONFIG_NAME));
    private static final ConfigFile TEXT_ENCODER = ConfigFile.read(FixtureFiles.path("sd-tiny/model/text_encoder")
            .resolve(ModelMixin.CONFIG_NAME));

    @Test
    void aFractionalAttentionHeadDimIsNotTruncated() {
        ConfigFile file = UNET.with(Map.of("attention_head_dim", 4.9));
        assertThatThrownBy(() -> UNet2DConfig.of(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value 4.9 for \"attention_head_dim\" in " + file.source()
                        + ": expected an integer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-32", "[32, 0]"})
    void aSampleSizeBelowOneIsAConfigError(String value) {
        Object sampleSize = value.startsWith("[") ? List.of(32, 0) : Integer.parseInt(value);
        for (ConfigFile base : List.of(UNET, SD_UNET)) {
            ConfigFile file = base.with(Map.of("sample_size", sampleSize));
            assertThatThrownBy(() -> validate(base, file))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("Invalid value " + value.replace(" ", "") + " for \"sample_size\" in "
                            + file.source() + ": expected a positive integer or [height, width] of positive integers"
                            + " (the size of the samples the model was trained on)");
        }
    }

    @Test
    void aNegativeNormEpsIsAConfigError() {
        for (ConfigFile base : List.of(UNET, SD_UNET)) {
            ConfigFile file = base.with(Map.of("norm_eps", -1.0));
            assertThatThrownBy(() -> validate(base, file))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("Invalid value -1.0 for \"norm_eps\" in " + file.source() + ": expected a finite"
                            + " number of at least 0 (the epsilon added to the variance; diffusers' default is"
                            + " 1e-05)");
        }
        ConfigFile clip = TEXT_ENCODER.with(Map.of("layer_norm_eps", -1e-5));
        assertThatThrownBy(() -> CLIPTextConfig.of(clip))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value -1.0E-5 for \"layer_norm_eps\" in " + clip.source());
    }

    private static Object validate(ConfigFile base, ConfigFile file) {
        return base == UNET ? UNet2DConfig.of(file) : UNet2DConditionConfig.of(file);
    }
}
