package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reprodiff.io.ConfigException;
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

/** Configurations, weight files and inputs the text encoder must refuse, with messages that say what is wrong. */
class CLIPTextModelLoadingTests {

    private static final Path TINY = FixtureFiles.path("sd-tiny/model-variant/text_encoder");

    @TempDir
    Path folder;

    private NDManager manager;

    @BeforeEach
    void copyTinyModel() throws IOException {
        manager = NDManager.newBaseManager("PyTorch");
        Files.copy(TINY.resolve(CLIPTextModel.CONFIG_NAME), folder.resolve(CLIPTextModel.CONFIG_NAME));
        Files.copy(TINY.resolve(CLIPTextModel.WEIGHTS_NAME), folder.resolve(CLIPTextModel.WEIGHTS_NAME));
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void positionIdsBufferIsAcceptedAndIgnored() throws IOException {
        NDArray ids = manager.arange(0, 2 * 77, 1, DataType.INT64).reshape(2, 77);
        NDArray expected;
        try (CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(folder, manager)) {
            expected = textEncoder.forward(ids);
        }
        editWeights(weights -> weights.put(CLIPTextModel.POSITION_IDS_NAME,
                manager.arange(0, 77, 1, DataType.INT64).reshape(1, 77)));

        try (CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(folder, manager)) {
            assertThat(textEncoder.parameterShapes()).doesNotContainKey(CLIPTextModel.POSITION_IDS_NAME);
            assertThat(FixtureFiles.linf(textEncoder.forward(ids), expected)).isZero();
        }
    }

    @Test
    void unsupportedHiddenActNamesTheKeyAndTheSupportedValues() throws IOException {
        editConfig(config -> config.put("hidden_act", "gelu_new"));

        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"gelu_new\" for \"hidden_act\" in " + folder.resolve("config.json")
                        + "; supported values: \"quick_gelu\", \"gelu\"");
    }

    @Test
    void geluIsTheExactErfForm() throws IOException {
        editConfig(config -> config.put("hidden_act", "gelu"));
        try (CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(folder, manager)) {
            assertThat(textEncoder.config().hiddenAct()).isEqualTo(CLIPTextConfig.HiddenAct.GELU);
            assertThat(textEncoder.forward(manager.zeros(new Shape(1, 77), DataType.INT64)).getShape())
                    .isEqualTo(new Shape(1, 77, 8));
        }
        // gelu(1) = Φ(1) = 0.8413447; the tanh approximation would give 0.8411920
        float[] values = Layers.gelu(manager.create(new float[] {1f, -1f})).toFloatArray();
        assertThat(values[0]).isCloseTo(0.8413447f, org.assertj.core.data.Offset.offset(1e-7f));
        assertThat(values[1]).isCloseTo(-0.1586553f, org.assertj.core.data.Offset.offset(1e-7f));
        // quick_gelu(1) = sigmoid(1.702) = 0.8457958
        assertThat(CLIPEncoderLayer.quickGelu(manager.create(new float[] {1f})).getFloat(0))
                .isCloseTo(0.8457958f, org.assertj.core.data.Offset.offset(1e-7f));
    }

    @Test
    void unknownKeysAreRefusedByNameButTransformersGenericKeysAreNot() throws IOException {
        editConfig(config -> config.put("transformers_version", "4.21.0").put("output_hidden_states", false)
                .put("_name_or_path", "openai/clip-vit-large-patch14"));
        try (CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(folder, manager)) {
            assertThat(textEncoder.config().hiddenSize()).isEqualTo(8);
        }

        editConfig(config -> config.put("use_rotary_embeddings", true));
        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Unknown keys [use_rotary_embeddings] in " + folder.resolve("config.json"));
    }

    @Test
    void hiddenSizeMustDivideIntoHeads() throws IOException {
        editConfig(config -> config.put("num_attention_heads", 3));

        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessage("\"hidden_size\" value 8 is not divisible by \"num_attention_heads\" 3 in "
                        + folder.resolve("config.json"));
    }

    @Test
    void missingAndUnexpectedParametersAreListedByName() throws IOException {
        editWeights(weights -> {
            weights.remove("text_model.final_layer_norm.bias").close();
            weights.remove("text_model.encoder.layers.1.self_attn.q_proj.weight").close();
            weights.put("text_model.text_projection.weight", manager.zeros(new Shape(8, 8)));
        });

        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining("do not match the model built from its config (36 parameters expected,"
                        + " 35 in the file):")
                .hasMessageContaining("\n  2 missing: text_model.encoder.layers.1.self_attn.q_proj.weight,"
                        + " text_model.final_layer_norm.bias")
                .hasMessageContaining("\n  1 unexpected: text_model.text_projection.weight");
    }

    @Test
    void shapeMismatchNamesTheParameterAndBothShapes() throws IOException {
        editConfig(config -> config.put("vocab_size", 49408));

        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessageEndingWith("\n  1 shape mismatch: text_model.embeddings.token_embedding.weight: expected"
                        + " (49408, 8) but the file has (1000, 8)");
    }

    @Test
    void missingFilesAreErrorsNamingTheFile() throws IOException {
        Path weights = folder.resolve(CLIPTextModel.WEIGHTS_NAME);
        Files.delete(weights);
        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager))
                .isInstanceOf(WeightsException.class)
                .hasMessage("Weights file not found: " + weights);

        Path config = folder.resolve(CLIPTextModel.CONFIG_NAME);
        Files.delete(config);
        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Configuration file not found: " + config);
    }

    @Test
    void aFailedLoadFreesWhatItRead() throws IOException {
        editWeights(weights -> weights.remove("text_model.final_layer_norm.bias").close());
        long before = manager.getManagedArrays().size();

        assertThatThrownBy(() -> CLIPTextModel.fromPretrained(folder, manager)).isInstanceOf(WeightsException.class);

        assertThat(manager.getManagedArrays()).hasSize((int) before);
    }

    @Test
    void inputIdsOfTheWrongShapeTypeOrRangeAreRefused() {
        try (CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(folder, manager)) {
            assertThatThrownBy(() -> textEncoder.forward(manager.zeros(new Shape(1, 78), DataType.INT64)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("CLIPTextModel expects int64 input ids of shape (batch, length) with 1 <= length <="
                            + " 77 (max_position_embeddings), but got int64 (1, 78)");
            assertThatThrownBy(() -> textEncoder.forward(manager.zeros(new Shape(1, 77), DataType.FLOAT32)))
                    .hasMessageEndingWith("but got float32 (1, 77)");
            assertThatThrownBy(() -> textEncoder.forward(manager.create(new long[] {998, 1000}, new Shape(1, 2))))
                    .hasMessage("Input ids must lie in [0, 1000) (vocab_size), but range from 998 to 1000");

            NDArray shorter = textEncoder.forward(manager.create(new int[] {998, 320, 999}, new Shape(1, 3)));
            NDArray full = textEncoder.forward(manager.create(new long[] {998, 320, 999}, new Shape(1, 3)));
            assertThat(FixtureFiles.linf(shorter, full)).isZero();
        }
    }

    @Test
    void closingTheModelFreesItsWeightsAndForwardLeavesOnlyItsResult() {
        int before = manager.getManagedArrays().size();
        NDArray ids = manager.zeros(new Shape(2, 77), DataType.INT64);
        try (CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(folder, manager)) {
            textEncoder.forward(ids).close();
        }
        ids.close();

        assertThat(manager.getManagedArrays()).hasSize(before);
    }

    private void editConfig(Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        Path file = folder.resolve(CLIPTextModel.CONFIG_NAME);
        ObjectNode config = (ObjectNode) mapper.readTree(file.toFile());
        edit.accept(config);
        mapper.writeValue(file.toFile(), config);
    }

    private void editWeights(Consumer<Map<String, NDArray>> edit) throws IOException {
        Path file = folder.resolve(CLIPTextModel.WEIGHTS_NAME);
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
