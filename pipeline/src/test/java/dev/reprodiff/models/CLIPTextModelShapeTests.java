package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Generator;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The parameter table built from a config alone must be transformers' state_dict: names and shapes. */
class CLIPTextModelShapeTests {

    private static final String SD15 = "configs/stable-diffusion-v1-5/";

    @Test
    void sd15ConfigBuildsTheCheckpointsParameterNamesAndShapes() throws IOException {
        Map<String, Shape> expected =
                UNet2DModelShapeTests.readShapes(FixtureFiles.path(SD15 + "text_encoder_state_dict_shapes.json"));

        Map<String, Shape> actual =
                CLIPTextModel.parameterShapes(CLIPTextConfig.read(FixtureFiles.path(SD15 + "text_encoder_config.json")));

        // The fixture lists each layer's q/k/v/out, norms, then mlp; transformers registers k, v, q, out,
        // layer_norm1, mlp, layer_norm2: same names and shapes, another order.
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
        assertThat(ModelWeights.count(actual)).isEqualTo(123_060_480L);
    }

    @Test
    void parametersFollowTransformersRegistrationOrder() {
        CLIPTextConfig config = CLIPTextConfig.read(FixtureFiles.path("sd-tiny/model/text_encoder/config.json"));

        List<String> names = new ArrayList<>(CLIPTextModel.parameterShapes(config).keySet());

        String layer = "text_model.encoder.layers.0.";
        assertThat(names.subList(0, 18)).containsExactly(
                "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
                layer + "self_attn.k_proj.weight", layer + "self_attn.k_proj.bias",
                layer + "self_attn.v_proj.weight", layer + "self_attn.v_proj.bias",
                layer + "self_attn.q_proj.weight", layer + "self_attn.q_proj.bias",
                layer + "self_attn.out_proj.weight", layer + "self_attn.out_proj.bias",
                layer + "layer_norm1.weight", layer + "layer_norm1.bias",
                layer + "mlp.fc1.weight", layer + "mlp.fc1.bias", layer + "mlp.fc2.weight", layer + "mlp.fc2.bias",
                layer + "layer_norm2.weight", layer + "layer_norm2.bias");
        assertThat(names.subList(names.size() - 2, names.size()))
                .containsExactly("text_model.final_layer_norm.weight", "text_model.final_layer_norm.bias");
        assertThat(ModelWeights.count(CLIPTextModel.parameterShapes(config))).isEqualTo(9832);
    }

    @Test
    void sd15ArchitectureRunsWithRandomWeights() {
        CLIPTextConfig config = CLIPTextConfig.read(FixtureFiles.path(SD15 + "text_encoder_config.json"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             CLIPTextModel textEncoder = CLIPTextModel.withRandomWeights(config, new Generator().manualSeed(0),
                     manager)) {
            assertThat(textEncoder.numParameters()).isEqualTo(123_060_480L);
            long[] ids = new long[2 * 77];
            java.util.Arrays.fill(ids, 49407);
            ids[0] = 49406;
            ids[77] = 49406;
            ids[1] = 320;

            NDArray output = textEncoder.forward(manager.create(ids, new Shape(2, 77)));

            assertThat(output.getShape()).isEqualTo(new Shape(2, 77, 768));
            assertThat(output.isInfinite().any().getBoolean() || output.isNaN().any().getBoolean()).isFalse();
            // causal: position 0 sees only the start token, the same in both prompts
            assertThat(FixtureFiles.linf(output.get("0, 0"), output.get("1, 0"))).isZero();
            assertThat(FixtureFiles.linf(output.get("0, 1"), output.get("1, 1"))).isPositive();
        }
    }

    @Test
    void randomWeightsFromTheSameSeedAreTheSameModel() {
        CLIPTextConfig config = CLIPTextConfig.read(FixtureFiles.path("sd-tiny/model/text_encoder/config.json"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             CLIPTextModel first = CLIPTextModel.withRandomWeights(config, new Generator().manualSeed(7), manager);
             CLIPTextModel second = CLIPTextModel.withRandomWeights(config, new Generator().manualSeed(7), manager)) {
            NDArray ids = manager.arange(0, 154, 1, ai.djl.ndarray.types.DataType.INT64).reshape(2, 77);

            assertThat(FixtureFiles.linf(first.forward(ids), second.forward(ids))).isZero();
        }
    }
}
