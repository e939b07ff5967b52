package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprodiff.random.Generator;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The parameter table built from a config alone must be exactly diffusers' state_dict: names, order and shapes. */
class UNet2DModelShapeTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "configs/ddpm-cifar10-32/unet_config.json, configs/ddpm-cifar10-32/state_dict_shapes.json",
            "unet2d/ddim-test-tiny/model/unet/config.json, unet2d/ddim-test-tiny/state_dict_shapes.json",
            "unet2d/ddpm-cifar-small/model/unet/config.json, unet2d/ddpm-cifar-small/state_dict_shapes.json"})
    void parameterTableIsDiffusersStateDict(String config, String shapes) throws IOException {
        Map<String, Shape> expected = readShapes(FixtureFiles.path(shapes));

        Map<String, Shape> actual = UNet2DModel.parameterShapes(UNet2DConfig.read(FixtureFiles.path(config)));

        assertThat(new ArrayList<>(actual.keySet())).containsExactlyElementsOf(expected.keySet());
        assertThat(actual).containsExactlyEntriesOf(expected);
    }

    @Test
    void ddpmCifar10HasTheCheckpointsParameterCountAndRunsWithRandomWeights() {
        UNet2DConfig config = UNet2DConfig.read(FixtureFiles.path("configs/ddpm-cifar10-32/unet_config.json"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DModel unet = UNet2DModel.withRandomWeights(config, new Generator().manualSeed(0), manager)) {
            assertThat(unet.numParameters()).isEqualTo(35_746_307L);

            NDArray output = unet.forward(new Generator().manualSeed(1).randn(manager, new Shape(1, 3, 32, 32)),
                    500);

            assertThat(output.getShape()).isEqualTo(new Shape(1, 3, 32, 32));
            assertThat(output.isInfinite().any().getBoolean() || output.isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void randomWeightsFromTheSameSeedAreTheSameModel() {
        UNet2DConfig config = UNet2DConfig.read(FixtureFiles.path("unet2d/ddim-test-tiny/model/unet/config.json"));
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DModel first = UNet2DModel.withRandomWeights(config, new Generator().manualSeed(7), manager);
             UNet2DModel second = UNet2DModel.withRandomWeights(config, new Generator().manualSeed(7), manager)) {
            NDArray sample = new Generator().manualSeed(0).randn(manager, new Shape(2, 3, 8, 8));

            assertThat(FixtureFiles.linf(first.forward(sample, 10), second.forward(sample, 10))).isZero();
        }
    }

    /** Both layouts of the fixtures: a flat name-to-shape object, or {@code {"num_parameters", "shapes"}}. */
    static Map<String, Shape> readShapes(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode shapes = root.has("shapes") ? root.get("shapes") : root;
        Map<String, Shape> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : shapes.properties()) {
            List<Long> dims = new ArrayList<>();
            entry.getValue().forEach(d -> dims.add(d.asLong()));
            result.put(entry.getKey(), new Shape(dims.stream().mapToLong(Long::longValue).toArray()));
        }
        if (root.has("num_parameters")) {
            assertThat(result.values().stream().mapToLong(Shape::size).sum())
                    .isEqualTo(root.get("num_parameters").asLong());
        }
        return result;
    }
}
