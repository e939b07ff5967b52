package dev.reprodiff.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.testing.FixtureFiles;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every prompt of {@code sd-tiny/cases/tokenizer}: BPE tokens and padded input ids exactly as the reference. */
class CLIPTokenizerFixtureTests {

    private static final String GROUP = "sd-tiny/cases/tokenizer";

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        try (Fixtures fixtures = Fixtures.load(GROUP)) {
            for (JsonNode c : fixtures.manifest().get("cases")) {
                cases.add(Arguments.of(Named.of(c.get("name").asText() + " " + abbreviate(c.get("prompt").asText()),
                        c)));
            }
        }
        return cases.stream();
    }

    static CLIPTokenizer tokenizer(String model) {
        return CLIPTokenizer.fromPretrained(FixtureFiles.path("sd-tiny/" + model + "/tokenizer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bpeTokensAreTheReferences(JsonNode testCase) {
        List<String> expected = new ArrayList<>();
        testCase.get("bpe_tokens").forEach(token -> expected.add(token.asText()));

        List<String> actual = tokenizer("model").tokenize(testCase.get("prompt").asText());

        assertThat(actual).containsExactlyElementsOf(expected);
        assertThat(actual).hasSize(testCase.get("num_bpe_tokens").asInt());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inputIdsAreTheReferencesExactly(JsonNode testCase) {
        CLIPTokenizer tokenizer = tokenizer("model");
        try (Fixtures fixtures = Fixtures.load(GROUP)) {
            long[] expected = fixtures.tensor(testCase.get("tensors").get("input_ids").asText()).toLongArray();

            long[] actual = tokenizer.encode(testCase.get("prompt").asText());

            assertThat(actual).containsExactly(expected);
            long[] unpadded = new long[testCase.get("unpadded_ids").size()];
            for (int i = 0; i < unpadded.length; i++) {
                unpadded[i] = testCase.get("unpadded_ids").get(i).asLong();
            }
            assertThat(actual).startsWith(unpadded);
            assertThat(tokenizer.bpeIds(testCase.get("prompt").asText()).size() > 75)
                    .isEqualTo(testCase.get("truncated").asBoolean());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"model", "model-variant"})
    void batchOfEveryPromptIsOneInt64ArrayForBothModelFolders(String model) {
        CLIPTokenizer tokenizer = tokenizer(model);
        try (Fixtures fixtures = Fixtures.load(GROUP); NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<String> prompts = new ArrayList<>();
            List<NDArray> expected = new ArrayList<>();
            for (JsonNode c : fixtures.manifest().get("cases")) {
                prompts.add(c.get("prompt").asText());
                expected.add(fixtures.tensor(c.get("tensors").get("input_ids").asText()));
            }

            NDArray actual = tokenizer.encode(prompts, manager);

            assertThat(actual.getDataType()).isEqualTo(DataType.INT64);
            assertThat(actual.getShape()).isEqualTo(new Shape(prompts.size(), 77));
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(actual.get(i).toLongArray()).as(prompts.get(i))
                        .containsExactly(expected.get(i).toLongArray());
            }
        }
    }

    @Test
    void specialIdsAndLengthComeFromTheTokenizerFiles() {
        CLIPTokenizer tokenizer = tokenizer("model");

        assertThat(tokenizer.bosTokenId()).isEqualTo(998);
        assertThat(tokenizer.eosTokenId()).isEqualTo(999);
        assertThat(tokenizer.padTokenId()).isEqualTo(999);
        assertThat(tokenizer.unkTokenId()).isEqualTo(999);
        assertThat(tokenizer.modelMaxLength()).isEqualTo(77);
        assertThat(tokenizer.vocabSize()).isEqualTo(1000);
        assertThat(tokenizer.encode("")).containsOnly(998, 999).startsWith(998, 999);
    }

    @Test
    void truncationKeepsTheEndTokenLast() {
        CLIPTokenizer tokenizer = tokenizer("model");
        String prompt = "a ".repeat(100);

        long[] ids = tokenizer.encode(prompt);

        assertThat(tokenizer.bpeIds(prompt)).hasSize(100);
        assertThat(ids).hasSize(77);
        assertThat(ids[0]).isEqualTo(998);
        assertThat(ids[76]).isEqualTo(999);
        assertThat(java.util.Arrays.copyOfRange(ids, 1, 76)).containsOnly(320);
    }

    @Test
    void decodeInvertsEncodingUpToCleanUp() {
        CLIPTokenizer tokenizer = tokenizer("model");

        assertThat(tokenizer.decode(tokenizer.encode("  Café déjà VU!  "), true)).isEqualTo("café déjà vu !");
        assertThat(tokenizer.decode(tokenizer.encode("a"), false))
                .startsWith("<|startoftext|>a <|endoftext|><|endoftext|>");
    }

    private static String abbreviate(String prompt) {
        return prompt.length() <= 40 ? "\"" + prompt + "\"" : "\"" + prompt.substring(0, 37) + "...\"";
    }
}
