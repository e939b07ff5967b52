package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The parameter tables built from the real Stable Diffusion 1.5 configs alone are exactly diffusers' state_dicts
 * (names, order, shapes), so a downloaded checkpoint loads; and the configs' unsupported values are clear errors.
 */
class UNet2DConditionModelShapeTests {

    static final String SD15 = "configs/stable-diffusion-v1-5/";

    @Test
    void stableDiffusion15UNetIsDiffusersStateDict() throws IOException {
        Map<String, Shape> expected = UNet2DModelShapeTests.readShapes(FixtureFiles.path(SD15
                + "unet_state_dict_shapes.json"));

        Map<String, Shape> actual = UNet2DConditionModel.parameterShapes(UNet2DConditionConfig.read(
                FixtureFiles.path(SD15 + "unet_config.json")));

        assertThat(new ArrayList<>(actual.keySet())).containsExactlyElementsOf(expected.keySet());
        assertThat(actual).containsExactlyEntriesOf(expected);
        assertThat(ModelWeights.count(actual)).isEqualTo(859_520_964L);
    }

    @Test
    void stableDiffusion15VaeIsDiffusersStateDict() throws IOException {
        Map<String, Shape> expected = UNet2DModelShapeTests.readShapes(FixtureFiles.path(SD15
                + "vae_state_dict_shapes.json"));

        AutoencoderKLConfig config = AutoencoderKLConfig.read(FixtureFiles.path(SD15 + "vae_config.json"));
        Map<String, Shape> actual = AutoencoderKL.parameterShapes(config);

        assertThat(new ArrayList<>(actual.keySet())).containsExactlyElementsOf(expected.keySet());
        assertThat(actual).containsExactlyEntriesOf(expected);
        assertThat(ModelWeights.count(actual)).isEqualTo(83_653_863L);
        assertThat(config.scalingFactor()).isEqualTo(0.18215);
        assertThat(config.scaleFactor()).isEqualTo(8);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"model, 16928, 11827", "model-variant, 92180, 11827"})
    void tinyModelsHaveTheManifestsParameterCounts(String model, long unetParameters, long vaeParameters) {
        assertThat(ModelWeights.count(UNet2DConditionModel.parameterShapes(UNet2DConditionConfig.read(
                FixtureFiles.path("sd-tiny/" + model + "/unet/config.json"))))).isEqualTo(unetParameters);
        assertThat(ModelWeights.count(AutoencoderKL.parameterShapes(AutoencoderKLConfig.read(
                FixtureFiles.path("sd-tiny/" + model + "/vae/config.json"))))).isEqualTo(vaeParameters);
    }

    @Test
    void linearProjectionTakesLinearLayers() {
        UNet2DConditionConfig config = tinyWith(Map.of("use_linear_projection", true));

        Map<String, Shape> shapes = UNet2DConditionModel.parameterShapes(config);

        assertThat(shapes.get("down_blocks.1.attentions.0.proj_in.weight")).isEqualTo(new Shape(8, 8));
        assertThat(shapes.get("mid_block.attentions.0.proj_out.weight")).isEqualTo(new Shape(8, 8));
    }

    @Test
    void linearProjectionIsTheConvolutionWithTheSameWeights() {
        // a 1x1 convolution and a linear layer over the channels compute the same function
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DConditionModel conv = UNet2DConditionModel.withRandomWeights(tinyWith(Map.of()),
                     Generator.seeded(3), manager);
             UNet2DConditionModel linear = UNet2DConditionModel.withRandomWeights(tinyWith(Map.of(
                     "use_linear_projection", true)), Generator.seeded(3), manager)) {
            NDArray sample = Generator.seeded(0).randn(manager, new Shape(2, 4, 16, 16));
            NDArray context = Generator.seeded(1).randn(manager, new Shape(2, 77, 8));
            for (Map.Entry<String, Shape> entry : conv.parameterShapes().entrySet()) {
                if (entry.getKey().contains("proj_in.weight") || entry.getKey().contains("proj_out.weight")) {
                    assertThat(linear.parameterShapes().get(entry.getKey()).size()).isEqualTo(entry.getValue().size());
                }
            }

            double linf = FixtureFiles.linf(conv.forward(sample, 10, context), linear.forward(sample, 10, context));

            assertThat(linf).isLessThan(1e-5);
        }
    }

    @Test
    void heightsThatAreNotMultiplesOfTheUpFactorUpsampleToTheSkipSizes() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DConditionModel unet = UNet2DConditionModel.withRandomWeights(tinyWith(Map.of()),
                     Generator.seeded(3), manager)) {
            NDArray sample = Generator.seeded(0).randn(manager, new Shape(1, 4, 9, 7));
            NDArray context = Generator.seeded(1).randn(manager, new Shape(1, 77, 8));

            assertThat(unet.forward(sample, 500, context).getShape()).isEqualTo(new Shape(1, 4, 9, 7));
        }
    }

    @Test
    void unsupportedConfigValuesNameTheKey() {
        assertThatThrownBy(() -> tinyWith(Map.of("class_embed_type", "timestep")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Unsupported value \"timestep\" for \"class_embed_type\"");
        assertThatThrownBy(() -> tinyWith(Map.of("num_attention_heads", 8)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"num_attention_heads\"").hasMessageContaining("attention_head_dim");
        assertThatThrownBy(() -> tinyWith(Map.of("only_cross_attention", true)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"only_cross_attention\"");
        assertThatThrownBy(() -> tinyWith(Map.of("mid_block_type", "UNetMidBlock2DSimpleCrossAttn")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("UNetMidBlock2DCrossAttn");
        assertThatThrownBy(() -> tinyWith(Map.of("down_block_types", java.util.List.of("SimpleCrossAttnDownBlock2D",
                "DownBlock2D"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("CrossAttnDownBlock2D");
        assertThatThrownBy(() -> tinyWith(Map.of("attention_head_dim", 3)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not divisible");
        assertThatThrownBy(() -> tinyWith(Map.of("bogus_key", 1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Unknown keys [bogus_key]");
    }

    @Test
    void encoderStatesOfTheWrongWidthAreRejected() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DConditionModel unet = UNet2DConditionModel.withRandomWeights(tinyWith(Map.of()),
                     Generator.seeded(3), manager)) {
            NDArray sample = manager.zeros(new Shape(1, 4, 8, 8));
            assertThatThrownBy(() -> unet.forward(sample, 1, manager.zeros(new Shape(1, 77, 768))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cross_attention_dim 8").hasMessageContaining("(1, 77, 768)");
        }
    }

    private static UNet2DConditionConfig tinyWith(Map<String, ?> overrides) {
        return UNet2DConditionConfig.of(ConfigFile.read(FixtureFiles.path("sd-tiny/model/unet/config.json"))
                .with(overrides));
    }
}
