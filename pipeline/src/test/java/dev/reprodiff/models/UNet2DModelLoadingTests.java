package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.random.Generator;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configurations and weight files the UNet must refuse, with messages that say what is wrong. */
class UNet2DModelLoadingTests {

    private static final Path TINY = FixtureFiles.path("unet2d/ddim-test-tiny/model/unet");

    @TempDir
    Path folder;

    private NDManager manager;

    @BeforeEach
    void copyTinyModel() throws IOException {
        manager = NDManager.newBaseManager("PyTorch");
        Files.copy(TINY.resolve(UNet2DModel.CONFIG_NAME), folder.resolve(UNet2DModel.CONFIG_NAME));
        Files.copy(TINY.resolve(UNet2DModel.WEIGHTS_NAME), folder.resolve(UNet2DModel.WEIGHTS_NAME));
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void loadsTheCopiedModel() {
        try (UNet2DModel unet = UNet2DModel.fromPretrained(folder, manager)) {
            assertThat(unet.parameterShapes()).hasSize(144);
        }
    }

    @Test
    void unknownDownBlockTypeNamesTheKeyAndTheSupportedTypes() throws IOException {
        editConfig(config -> config.withArray("down_block_types").set(1, "CrossAttnDownBlock2D"));

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Unsupported value \"CrossAttnDownBlock2D\" for \"down_block_types[1]\" in ")
                .hasMessageEndingWith("config.json; supported values: \"DownBlock2D\", \"AttnDownBlock2D\"");
    }

    @Test
    void unknownUpBlockTypeNamesTheKeyAndTheSupportedTypes() throws IOException {
        editConfig(config -> config.withArray("up_block_types").set(0, "AttnSkipUpBlock2D"));

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Unsupported value \"AttnSkipUpBlock2D\" for \"up_block_types[0]\"")
                .hasMessageEndingWith("supported values: \"UpBlock2D\", \"AttnUpBlock2D\"");
    }

    @Test
    void unsupportedOptionsNameTheKeyTheValueAndTheSupportedValues() throws IOException {
        editConfig(config -> config.put("resnet_time_scale_shift", "spatial"));
        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .hasMessageContaining("Unsupported value \"spatial\" for \"resnet_time_scale_shift\"")
                .hasMessageEndingWith("supported values: \"default\", \"scale_shift\"");

        editConfig(config -> config.put("resnet_time_scale_shift", "default").put("time_embedding_type", "fourier"));
        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .hasMessageContaining("Unsupported value \"fourier\" for \"time_embedding_type\"")
                .hasMessageEndingWith("supported values: \"positional\"");

        editConfig(config -> config.put("time_embedding_type", "positional").put("act_fn", "gelu"));
        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .hasMessageContaining("Unsupported value \"gelu\" for \"act_fn\"")
                .hasMessageEndingWith("supported values: \"silu\", \"swish\"");

        editConfig(config -> config.put("act_fn", "silu").put("class_embed_type", "timestep"));
        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .hasMessageContaining("Unsupported value \"timestep\" for \"class_embed_type\"")
                .hasMessageEndingWith("supported values: null");
    }

    @Test
    void unknownKeysAreRefusedByName() throws IOException {
        editConfig(config -> config.put("attention_legacy_order", true));

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Unknown keys [attention_legacy_order] in ");
    }

    @Test
    void mismatchedListLengthsAreRefused() throws IOException {
        editConfig(config -> config.withArray("up_block_types").add("UpBlock2D"));

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Must provide the same number of \"down_block_types\" as \"up_block_types\"")
                .hasMessageEndingWith(": 2 versus 3");
    }

    @Test
    void missingAndUnexpectedParametersAreListedByName() throws IOException {
        editWeights(weights -> {
            weights.remove("conv_in.bias").close();
            weights.remove("mid_block.attentions.0.to_q.weight").close();
            weights.put("mid_block.attentions.0.query.weight", manager.zeros(new Shape(8, 8)));
        });

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining("do not match the model built from its config (144 parameters expected,"
                        + " 143 in the file):")
                .hasMessageContaining("\n  2 missing: conv_in.bias, mid_block.attentions.0.to_q.weight")
                .hasMessageContaining("\n  1 unexpected: mid_block.attentions.0.query.weight");
    }

    @Test
    void shapeMismatchNamesTheParameterAndBothShapes() throws IOException {
        editWeights(weights -> weights.put("conv_out.weight", manager.zeros(new Shape(3, 4, 1, 1))));

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessageEndingWith("\n  1 shape mismatch: conv_out.weight: expected (3, 4, 3, 3) but the file"
                        + " has (3, 4, 1, 1)");
    }

    @Test
    void halfPrecisionWeightsAreLoadedAsFloat32() throws IOException {
        NDArray sample = new Generator().manualSeed(0).randn(manager, new Shape(1, 3, 8, 8));
        NDArray reference;
        try (UNet2DModel unet = UNet2DModel.fromPretrained(folder, manager)) {
            reference = unet.forward(sample, 10);
        }
        editWeights(weights -> weights.replaceAll((name, array) -> array.toType(DataType.FLOAT16, false)));

        try (UNet2DModel unet = UNet2DModel.fromPretrained(folder, manager)) {
            NDArray output = unet.forward(sample, 10);

            assertThat(output.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(FixtureFiles.linf(output, reference)).isLessThan(1e-2);
        }
    }

    @Test
    void truncatedWeightsFileIsAnErrorNamingTheFile() throws IOException {
        Path weights = folder.resolve(UNet2DModel.WEIGHTS_NAME);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessageStartingWith("Cannot read weights file " + weights + " as safetensors");
    }

    @Test
    void missingWeightsFileIsAnErrorNamingTheFile() throws IOException {
        Path weights = folder.resolve(UNet2DModel.WEIGHTS_NAME);
        Files.delete(weights);

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessage("Weights file not found: " + weights);
    }

    @Test
    void aFailedLoadFreesWhatItRead() throws IOException {
        editWeights(weights -> weights.remove("conv_in.bias").close());
        long before = manager.getManagedArrays().size();

        assertThatThrownBy(() -> UNet2DModel.fromPretrained(folder, manager)).isInstanceOf(WeightsException.class);

        assertThat(manager.getManagedArrays()).hasSize((int) before);
    }

    private void editConfig(Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        Path file = folder.resolve(UNet2DModel.CONFIG_NAME);
        ObjectNode config = (ObjectNode) mapper.readTree(file.toFile());
        edit.accept(config);
        mapper.writeValue(file.toFile(), config);
    }

    private void editWeights(Consumer<Map<String, NDArray>> edit) throws IOException {
        Path file = folder.resolve(UNet2DModel.WEIGHTS_NAME);
        try (NDManager scratch = manager.newSubManager()) {
            Map<String, NDArray> weights = ModelWeights.readSafetensors(file, scratch);
            edit.accept(weights);
            NDList list = new NDList();
            weights.forEach((name, array) -> {
                array.setName(name);
                list.add(array);
            });
            try (OutputStream out = Files.newOutputStream(file)) {
                list.encode(out, NDList.Encoding.SAFETENSORS);
            }
        }
    }
}
