package dev.reprodiff.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** diffusers' {@code randn_tensor} cases of the generator fixtures: one generator, and lists of generators. */
class RandnTensorFixtureTests {

    @Test
    void everyRandnTensorCaseMatchesBitForBit() {
        int checked = 0;
        try (Fixtures fixtures = Fixtures.load("generator"); NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (JsonNode testCase : fixtures.manifest().get("cases")) {
                JsonNode spec = testCase.get("randn_tensor");
                if (spec == null) {
                    continue;
                }
                List<Generator> generators = new ArrayList<>();
                spec.get("generator_seeds").forEach(seed -> generators.add(Generator.seeded(seed.asLong())));
                long[] dims = new long[spec.get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = spec.get("shape").get(i).asLong();
                }
                Shape shape = new Shape(dims);
                NDArray actual = spec.get("as_list").asBoolean()
                        ? RandomTensors.randnTensor(shape, generators, DataType.FLOAT32, manager)
                        : RandomTensors.randnTensor(shape, generators.get(0), DataType.FLOAT32, manager);
                NDArray expected = fixtures.tensor(testCase.get("name").asText());
                assertThat(actual.getShape()).isEqualTo(expected.getShape());
                GeneratorFixtureTests.assertBitsEqual(actual.toFloatArray(), expected.toFloatArray(),
                        testCase.get("name").asText());
                checked++;
            }
        }
        assertThat(checked).isEqualTo(3);
    }
}
