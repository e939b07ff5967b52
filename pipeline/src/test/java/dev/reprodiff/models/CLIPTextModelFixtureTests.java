package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.testing.FixtureFiles;
import dev.reprodiff.testing.Fixtures;
import dev.reprodiff.text.CLIPTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every case of {@code sd-tiny/cases/text_encoder}: last_hidden_state within the manifest's tolerance (1e-5). */
class CLIPTextModelFixtureTests {

    private static final String GROUP = "sd-tiny/cases/text_encoder";

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
    void lastHiddenStateMatchesTheReference(JsonNode testCase) {
        String model = testCase.get("model").asText();
        try (Fixtures fixtures = Fixtures.load(GROUP);
             NDManager manager = NDManager.newBaseManager("PyTorch");
             CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(
                     FixtureFiles.path("sd-tiny/" + model + "/text_encoder"), manager)) {
            NDArray inputIds = fixtures.tensor(testCase.get("tensors").get("input_ids").asText());
            NDArray expected = fixtures.tensor(testCase.get("tensors").get("last_hidden_state").asText());

            NDArray actual = textEncoder.forward(inputIds);

            double linf = FixtureFiles.record("sd-tiny text_encoder " + model, FixtureFiles.linf(actual, expected));
            assertThat(linf).as("L-infinity of %s", testCase.get("name").asText())
                    .isLessThanOrEqualTo(testCase.get("tolerance_linf").asDouble());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tokenizerAndTextEncoderTogetherGiveTheReference(JsonNode testCase) {
        String model = testCase.get("model").asText();
        List<String> prompts = new ArrayList<>();
        testCase.get("prompts").forEach(prompt -> prompts.add(prompt.asText()));
        CLIPTokenizer tokenizer = CLIPTokenizer.fromPretrained(FixtureFiles.path("sd-tiny/" + model + "/tokenizer"));
        try (Fixtures fixtures = Fixtures.load(GROUP);
             NDManager manager = NDManager.newBaseManager("PyTorch");
             CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(
                     FixtureFiles.path("sd-tiny/" + model + "/text_encoder"), manager)) {
            NDArray inputIds = tokenizer.encode(prompts, manager);
            assertThat(inputIds.toLongArray())
                    .containsExactly(fixtures.tensor(testCase.get("tensors").get("input_ids").asText()).toLongArray());

            NDArray actual = textEncoder.forward(inputIds);

            assertThat(actual.getManager()).isSameAs(manager);
            assertThat(FixtureFiles.linf(actual,
                    fixtures.tensor(testCase.get("tensors").get("last_hidden_state").asText())))
                    .isLessThanOrEqualTo(testCase.get("tolerance_linf").asDouble());
        }
    }
}
