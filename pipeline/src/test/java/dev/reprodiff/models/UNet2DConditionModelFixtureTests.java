package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.testing.FixtureFiles;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every case of {@code sd-tiny/cases/unet} (model and model-variant) within the manifest's tolerance (1e-4). */
class UNet2DConditionModelFixtureTests {

    static final String GROUP = "sd-tiny/cases/unet";

    @AfterAll
    static void reportWorst() {
        System.out.println(FixtureFiles.report());
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        try (Fixtures fixtures = Fixtures.load(GROUP)) {
            for (JsonNode c : fixtures.manifest().get("cases")) {
                cases.add(Arguments.of(Named.of(c.get("name").asText(), c)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardMatchesDiffusers(JsonNode testCase) {
        String model = testCase.get("model").asText();
        JsonNode tensors = testCase.get("tensors");
        try (Fixtures fixtures = Fixtures.load(GROUP);
             NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(
                     FixtureFiles.path("sd-tiny/" + model + "/unet"), manager)) {
            NDArray sample = fixtures.tensor(tensors.get("sample").asText());
            NDArray context = fixtures.tensor(tensors.get("encoder_hidden_states").asText());
            NDArray expected = fixtures.tensor(tensors.get("out").asText());

            NDArray actual = unet.forward(sample, testCase.get("timestep").asDouble(), context);

            double linf = FixtureFiles.record("sd-tiny unet (" + model + ")", FixtureFiles.linf(actual, expected));
            assertThat(linf).as("L-infinity of %s", testCase.get("name").asText())
                    .isLessThanOrEqualTo(testCase.get("tolerance_linf").asDouble());
        }
    }
}
