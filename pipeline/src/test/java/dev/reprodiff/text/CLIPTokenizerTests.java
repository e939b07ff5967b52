package dev.reprodiff.text;

import dev.reprodiff.io.ConfigException;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Text clean-up as Python's html.unescape, str.isspace and lower give it, and tokenizer folders that must fail. */
class CLIPTokenizerTests {

    private static final Path TOKENIZER = FixtureFiles.path("sd-tiny/model/tokenizer");

    @TempDir
    Path folder;

    @BeforeEach
    void copyTokenizer() throws IOException {
        for (String name : new String[] {CLIPTokenizer.VOCAB_NAME, CLIPTokenizer.MERGES_NAME,
                CLIPTokenizer.CONFIG_NAME, CLIPTokenizer.SPECIAL_TOKENS_NAME}) {
            Files.copy(TOKENIZER.resolve(name), folder.resolve(name));
        }
    }

    // Expected values: CPython 3.11 html.unescape on the same strings.
    @Test
    void htmlUnescapeFollowsPythonsRules() {
        assertThat(HtmlEntities.unescape("&amp;lt;b&amp;gt;")).isEqualTo("&lt;b&gt;");
        assertThat(HtmlEntities.unescape("&ampx &amp &notit; &notin; &copy2024")).isEqualTo("&x & ¬it; ∉ ©2024");
        assertThat(HtmlEntities.unescape("&#65;&#x42;&#X43;&#0;&#128;&#129;&#x110000;&#xD800;&#1;"
                + "&#12345678901234567890;&#x1F642;")).isEqualTo("ABC\ufffd€\u0081\ufffd\ufffd\ufffd🙂");
        assertThat(HtmlEntities.unescape("&bogus; & AT&T &;")).isEqualTo("&bogus; & AT&T &;");
        assertThat(HtmlEntities.unescape("&#65&#x42 x")).isEqualTo("AB x");
    }

    @Test
    void cleanUpUnescapesTwiceCollapsesPythonWhitespaceAndLowerCases() {
        assertThat(TextNormalizer.normalize("&amp;lt;B&amp;gt;")).isEqualTo("<b>");
        assertThat(TextNormalizer.normalize("\u00a0 A\u2003\u3000b\u001c\u0085C\t\n \u001f")).isEqualTo("a b\u001c c");
        assertThat(TextNormalizer.normalize("ÅNGSTRÖM STRASSE ΟΔΟΣ")).isEqualTo("ångström strasse οδος");
    }

    // Expected values: CPython 3.11 str.lower, whose final sigma follows Unicode's context rule, not word breaks.
    @Test
    void lowerCaseIsPythonsIncludingFinalSigmaAndDottedCapitalI() {
        assertThat(TextNormalizer.lower("ΟΔΟΣ& <|STARTOFTEXT|> ΟΔΟΣ.Α"))
                .isEqualTo("οδο\u03c2& <|startoftext|> οδο\u03c3.α");
        assertThat(TextNormalizer.lower("ΑΣ\u0301 b İ")).isEqualTo("α\u03c2\u0301 b i\u0307");
        assertThat(TextNormalizer.lower("x\u001cΣ")).isEqualTo("x\u001c\u03c3");
    }

    @Test
    void escapedMarkupTokenizesAsTheTextItStandsFor() {
        CLIPTokenizer tokenizer = CLIPTokenizer.fromPretrained(folder);

        assertThat(tokenizer.encode("fish &amp;amp; chips")).containsExactly(tokenizer.encode("Fish & chips"));
    }

    @Test
    void missingVocabularyIsAnErrorNamingTheFile() throws IOException {
        Path vocab = folder.resolve("vocab.json");
        Files.delete(vocab);

        assertThatThrownBy(() -> CLIPTokenizer.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Tokenizer file not found: " + vocab + ". A CLIP tokenizer folder holds vocab.json and"
                        + " merges.txt (and optionally tokenizer_config.json, special_tokens_map.json)");
    }

    @Test
    void missingMergesIsAnErrorNamingTheFile() throws IOException {
        Path merges = folder.resolve("merges.txt");
        Files.delete(merges);

        assertThatThrownBy(() -> CLIPTokenizer.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Tokenizer file not found: " + merges + ". ");
    }

    @Test
    void optionalFilesMayBeMissingAndThenCLIPDefaultsApply() throws IOException {
        Files.delete(folder.resolve(CLIPTokenizer.CONFIG_NAME));
        Files.delete(folder.resolve(CLIPTokenizer.SPECIAL_TOKENS_NAME));

        CLIPTokenizer tokenizer = CLIPTokenizer.fromPretrained(folder);

        assertThat(tokenizer.modelMaxLength()).isEqualTo(77);
        assertThat(new int[] {tokenizer.bosTokenId(), tokenizer.eosTokenId(), tokenizer.padTokenId()})
                .containsExactly(998, 999, 999);
    }

    @Test
    void padTokenAndLengthAreReadFromTheFiles() throws IOException {
        // SD 2.x tokenizers pad with "!" (id 0)
        Files.writeString(folder.resolve(CLIPTokenizer.SPECIAL_TOKENS_NAME), "{\"pad_token\": \"!\"}");
        Files.writeString(folder.resolve(CLIPTokenizer.CONFIG_NAME), "{\"model_max_length\": 8}");

        long[] ids = CLIPTokenizer.fromPretrained(folder).encode("blurry");

        assertThat(ids).containsExactly(998, 833, 565, 913, 999, 0, 0, 0);
    }

    @Test
    void malformedFilesAndUnknownSpecialTokensAreErrorsNamingTheFile() throws IOException {
        Files.writeString(folder.resolve("merges.txt"), "#version: 0.2\ni n\nt h x\n");
        assertThatThrownBy(() -> CLIPTokenizer.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Line 3 of " + folder.resolve("merges.txt") + " is not a merge of two symbols: \"t h x\"");

        Files.copy(TOKENIZER.resolve("merges.txt"), folder.resolve("merges.txt"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(folder.resolve("vocab.json"), "{\"a\": 1,");
        assertThatThrownBy(() -> CLIPTokenizer.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Malformed JSON in " + folder.resolve("vocab.json") + " at line 1");

        Files.copy(TOKENIZER.resolve("vocab.json"), folder.resolve("vocab.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(folder.resolve(CLIPTokenizer.SPECIAL_TOKENS_NAME), "{\"pad_token\": \"<pad>\"}");
        assertThatThrownBy(() -> CLIPTokenizer.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage("The pad_token \"<pad>\" of the tokenizer in " + folder + " is not in its vocab.json");
    }
}
