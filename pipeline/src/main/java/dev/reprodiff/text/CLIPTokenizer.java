package dev.reprodiff.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprodiff.io.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * transformers' {@code CLIPTokenizer} as Stable Diffusion calls it ({@code tokenizer(prompt, padding="max_length",
 * max_length=tokenizer.model_max_length, truncation=True)}), read from a diffusers {@code tokenizer/} folder.
 *
 * <pre>{@code
 * CLIPTokenizer tokenizer = CLIPTokenizer.fromPretrained(Path.of("stable-diffusion-v1-5/tokenizer"));
 * NDArray inputIds = tokenizer.encode(List.of("a photo of an astronaut"), manager);   // int64 (1, 77)
 * }</pre>
 *
 * <p>Each prompt becomes {@code [bos] + bpe_ids[:model_max_length - 2] + [eos]}, padded to {@code model_max_length}
 * with the pad token (SD 1.5: {@code <|endoftext|>}), so truncation keeps the end token last. The BPE ids come from:
 * <ol>
 *   <li>clean-up as openai's {@code simple_tokenizer}: {@code html.unescape} twice, strip, every whitespace run to one
 *       space, lower-case (whitespace as the {@code regex} module's {@code \s}, Unicode's White_Space; the strips
 *       are Python's {@code str.strip}, which also removes U+001C-U+001F at the ends);</li>
 *   <li>the pre-tokenizer regex (case-insensitive): the start and end token literals, the contractions
 *       {@code 's 't 're 've 'm 'll 'd}, runs of letters ({@code \p{L}+}), single digits ({@code \p{N}}), runs of
 *       anything else but whitespace;</li>
 *   <li>each piece as UTF-8 bytes mapped to GPT-2's byte-to-unicode characters, {@code </w>} appended to its last
 *       character, then merged pair by pair in {@code merges.txt} rank order; the literals {@code <|startoftext|>}
 *       and {@code <|endoftext|>} map straight to their ids.</li>
 * </ol>
 *
 * <p>Left out: {@code ftfy.fix_text} (mojibake and odd-punctuation repair). transformers and openai apply it first
 * when ftfy is installed; prompts that ftfy leaves unchanged (plain, correctly decoded text) tokenize identically.
 * Lower-casing follows Java's Unicode tables (Unicode 13 in Java 17), which lack a few letters added since.
 * Instances are immutable and thread-safe.
 */
public final class CLIPTokenizer {

    /** The vocabulary file in a tokenizer folder: token to id. */
    public static final String VOCAB_NAME = "vocab.json";
    /** The merges file in a tokenizer folder: one merge per line, by rank, after a {@code #version} header. */
    public static final String MERGES_NAME = "merges.txt";
    /** The optional settings file: {@code model_max_length} and the special tokens. */
    public static final String CONFIG_NAME = "tokenizer_config.json";
    /** The optional special tokens file, whose entries override {@link #CONFIG_NAME}'s. */
    public static final String SPECIAL_TOKENS_NAME = "special_tokens_map.json";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WORD_END = "</w>";
    private static final int CACHE_LIMIT = 50_000;
    private static final char[] BYTE_TO_UNICODE = byteToUnicode();

    private final Map<String, Integer> vocab;
    private final Map<Integer, String> tokensById;
    private final Map<String, Integer> mergeRanks;
    private final Pattern pattern;
    private final String bosToken;
    private final String eosToken;
    private final int bosTokenId;
    private final int eosTokenId;
    private final int padTokenId;
    private final Integer unkTokenId;
    private final int modelMaxLength;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    private CLIPTokenizer(Map<String, Integer> vocab, Map<String, Integer> mergeRanks, SpecialTokens specials,
                          int modelMaxLength, String source) {
        this.vocab = Map.copyOf(vocab);
        Map<Integer, String> byId = new HashMap<>();
        vocab.forEach((token, id) -> byId.put(id, token));
        this.tokensById = Map.copyOf(byId);
        this.mergeRanks = Map.copyOf(mergeRanks);
        this.bosToken = specials.bos();
        this.eosToken = specials.eos();
        this.bosTokenId = requireId(specials.bos(), "bos_token", source);
        this.eosTokenId = requireId(specials.eos(), "eos_token", source);
        this.padTokenId = requireId(specials.pad(), "pad_token", source);
        this.unkTokenId = specials.unk() == null ? null : requireId(specials.unk(), "unk_token", source);
        this.modelMaxLength = modelMaxLength;
        this.pattern = Pattern.compile(Pattern.quote(bosToken) + "|" + Pattern.quote(eosToken)
                + "|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\p{IsWhite_Space}\\p{L}\\p{N}]+",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    /**
     * Reads {@code vocab.json} and {@code merges.txt} from {@code folder}, and {@code model_max_length} and the
     * special tokens from {@code tokenizer_config.json} and {@code special_tokens_map.json} where present (defaults:
     * 77, {@code <|startoftext|>}, and {@code <|endoftext|>} for end, padding and unknown). A missing or malformed
     * file, or a special token the vocabulary lacks, is a {@link ConfigException} naming the file.
     */
    public static CLIPTokenizer fromPretrained(Path folder) {
        Path vocabFile = folder.resolve(VOCAB_NAME);
        Path mergesFile = folder.resolve(MERGES_NAME);
        Map<String, Integer> vocab = readVocab(vocabFile);
        Map<String, Integer> merges = readMerges(mergesFile);
        JsonNode config = readOptionalJson(folder.resolve(CONFIG_NAME));
        JsonNode specialTokensMap = readOptionalJson(folder.resolve(SPECIAL_TOKENS_NAME));
        SpecialTokens specials = SpecialTokens.DEFAULT.overriddenBy(config).overriddenBy(specialTokensMap);
        int maxLength = modelMaxLength(config, folder.resolve(CONFIG_NAME));
        return new CLIPTokenizer(vocab, merges, specials, maxLength, folder.toString());
    }

    /**
     * The input ids of each prompt, {@code model_max_length} long: start token, BPE ids (truncated), end token,
     * padding.
     */
    public long[][] encode(List<String> prompts) {
        long[][] ids = new long[prompts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encode(Objects.requireNonNull(prompts.get(i), "prompt"));
        }
        return ids;
    }

    /** As {@link #encode(List)}, as an int64 (prompts, model_max_length) array on {@code manager}. */
    public NDArray encode(List<String> prompts, NDManager manager) {
        long[][] ids = encode(prompts);
        long[] flat = Arrays.stream(ids).flatMapToLong(Arrays::stream).toArray();
        return manager.create(flat, new Shape(ids.length, modelMaxLength));
    }

    /** The padded, truncated input ids of one prompt ({@code model_max_length} long). */
    public long[] encode(String prompt) {
        List<Integer> bpe = bpeIds(prompt);
        long[] ids = new long[modelMaxLength];
        Arrays.fill(ids, padTokenId);
        ids[0] = bosTokenId;
        int kept = Math.min(bpe.size(), modelMaxLength - 2);
        for (int i = 0; i < kept; i++) {
            ids[i + 1] = bpe.get(i);
        }
        ids[kept + 1] = eosTokenId;
        return ids;
    }

    /**
     * The ids of a prompt's BPE tokens, without start and end tokens and without truncation: more than
     * {@code model_max_length - 2} of them means {@link #encode} drops the rest (diffusers warns about it).
     */
    public List<Integer> bpeIds(String prompt) {
        List<Integer> ids = new ArrayList<>();
        for (String token : tokenize(prompt)) {
            Integer id = vocab.get(token);
            if (id == null) {
                if (unkTokenId == null) {
                    throw new IllegalArgumentException("Token \"" + token + "\" is not in the vocabulary and the"
                            + " tokenizer has no unk_token");
                }
                id = unkTokenId;
            }
            ids.add(id);
        }
        return ids;
    }

    /** The BPE tokens of a prompt, as transformers' {@code tokenize} gives them ({@code "a</w>"}, {@code "be"}). */
    public List<String> tokenize(String prompt) {
        List<String> tokens = new ArrayList<>();
        Matcher matcher = pattern.matcher(TextNormalizer.normalize(prompt));
        while (matcher.find()) {
            String piece = matcher.group();
            if (piece.equals(bosToken) || piece.equals(eosToken)) {
                tokens.add(piece);
            } else {
                tokens.addAll(bpe(toByteLevel(piece)));
            }
        }
        return tokens;
    }

    /**
     * The text of {@code ids}: tokens joined, {@code </w>} read as a space, bytes decoded as UTF-8 (invalid
     * sequences replaced), stripped. Special tokens are dropped when {@code skipSpecialTokens}.
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        StringBuilder joined = new StringBuilder();
        for (long id : ids) {
            boolean special = id == bosTokenId || id == eosTokenId || id == padTokenId;
            if (skipSpecialTokens && special) {
                continue;
            }
            String token = tokensById.get(Math.toIntExact(id));
            if (token == null) {
                throw new IllegalArgumentException("Token id " + id + " is not in the vocabulary of "
                        + vocab.size() + " tokens");
            }
            joined.append(token);
        }
        byte[] bytes = new byte[joined.length()];
        int n = 0;
        for (int i = 0; i < joined.length(); i++) {
            bytes[n++] = (byte) unicodeToByte(joined.charAt(i));
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8).replace(WORD_END, " ").strip();
    }

    /** {@code model_max_length}: the length of every encoded prompt (77 for CLIP). */
    public int modelMaxLength() {
        return modelMaxLength;
    }

    public int bosTokenId() {
        return bosTokenId;
    }

    public int eosTokenId() {
        return eosTokenId;
    }

    public int padTokenId() {
        return padTokenId;
    }

    /** The unknown token's id, or {@code null} when the files define none. */
    public Integer unkTokenId() {
        return unkTokenId;
    }

    /** The number of tokens in {@code vocab.json}. */
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public String toString() {
        return "CLIPTokenizer(" + vocab.size() + " tokens, " + mergeRanks.size() + " merges, model_max_length "
                + modelMaxLength + ")";
    }

    /** BPE of one pre-tokenized piece (already byte-level characters): merge the lowest-ranked pair until none. */
    private List<String> bpe(String piece) {
        List<String> cached = cache.get(piece);
        if (cached != null) {
            return cached;
        }
        List<String> word = new ArrayList<>();
        int last = piece.length() - 1;
        for (int i = 0; i < last; i++) {
            word.add(String.valueOf(piece.charAt(i)));
        }
        word.add(piece.charAt(last) + WORD_END);
        while (word.size() > 1) {
            int best = lowestRankedPair(word);
            if (best < 0) {
                break;
            }
            word = mergeEvery(word, word.get(best), word.get(best + 1));
        }
        List<String> result = List.copyOf(word);
        if (cache.size() < CACHE_LIMIT) {
            cache.put(piece, result);
        }
        return result;
    }

    /** The index of the adjacent pair with the lowest merge rank, or -1 when no pair is a merge. */
    private int lowestRankedPair(List<String> word) {
        int best = -1;
        int bestRank = Integer.MAX_VALUE;
        for (int i = 0; i + 1 < word.size(); i++) {
            Integer rank = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
            if (rank != null && rank < bestRank) {
                best = i;
                bestRank = rank;
            }
        }
        return best;
    }

    /** Every non-overlapping occurrence of {@code first second}, left to right, joined into one symbol. */
    private static List<String> mergeEvery(List<String> word, String first, String second) {
        List<String> merged = new ArrayList<>(word.size());
        for (int i = 0; i < word.size(); i++) {
            if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                merged.add(first + second);
                i++;
            } else {
                merged.add(word.get(i));
            }
        }
        return merged;
    }

    private static String toByteLevel(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_UNICODE[bytes[i] & 0xff];
        }
        return new String(chars);
    }

    private static int unicodeToByte(char c) {
        for (int b = 0; b < 256; b++) {
            if (BYTE_TO_UNICODE[b] == c) {
                return b;
            }
        }
        throw new IllegalArgumentException("Character U+" + Integer.toHexString(c) + " is not a byte-level token"
                + " character");
    }

    /**
     * GPT-2's reversible byte-to-unicode table: the printable Latin-1 bytes ({@code !..~}, {@code ¡..¬},
     * {@code ®..ÿ}) stand for themselves, the other 68 bytes for U+0100 onwards, in byte order, so that no token
     * holds whitespace or control characters.
     */
    private static char[] byteToUnicode() {
        char[] table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            table[b] = (char) (printable ? b : next++);
        }
        return table;
    }

    private int requireId(String token, String key, String source) {
        if (token == null) {
            throw new ConfigException("The tokenizer in " + source + " defines no " + key);
        }
        Integer id = vocab.get(token);
        if (id == null) {
            throw new ConfigException("The " + key + " \"" + token + "\" of the tokenizer in " + source
                    + " is not in its " + VOCAB_NAME);
        }
        return id;
    }

    private static Map<String, Integer> readVocab(Path file) {
        JsonNode root = readJson(file);
        if (!root.isObject()) {
            throw new ConfigException("Expected a JSON object of token ids in " + file + " but found "
                    + root.getNodeType());
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().canConvertToInt()) {
                throw new ConfigException("Token \"" + entry.getKey() + "\" in " + file + " has id "
                        + entry.getValue() + "; expected an integer");
            }
            vocab.put(entry.getKey(), entry.getValue().intValue());
        }
        return vocab;
    }

    /** Merge ranks by {@code "first second"}, in file order after the {@code #version} header. */
    private static Map<String, Integer> readMerges(Path file) {
        List<String> lines = readLines(file);
        Map<String, Integer> ranks = new HashMap<>();
        int rank = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] pair = line.split(" ");
            if (pair.length != 2) {
                throw new ConfigException("Line " + (i + 1) + " of " + file + " is not a merge of two symbols: \""
                        + line + "\"");
            }
            // as transformers' dict(zip(merges, range(len(merges)))): a repeated merge keeps its last rank
            ranks.put(line, rank++);
        }
        return ranks;
    }

    private static int modelMaxLength(JsonNode config, Path file) {
        JsonNode value = config == null ? null : config.get("model_max_length");
        if (value == null || value.isNull()) {
            return 77;
        }
        if (!value.canConvertToInt() || value.intValue() < 2 || !value.isIntegralNumber()) {
            throw new ConfigException("Invalid value " + value + " for \"model_max_length\" in " + file
                    + ": expected an integer of at least 2 (77 for CLIP)");
        }
        return value.intValue();
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw missing(file, e);
        } catch (IOException e) {
            throw new ConfigException("Cannot read tokenizer file " + file + ": " + e, e);
        }
    }

    private static JsonNode readOptionalJson(Path file) {
        return Files.exists(file) ? readJson(file) : null;
    }

    private static JsonNode readJson(Path file) {
        try {
            return MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw missing(file, e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("Malformed JSON in " + file + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("Cannot read tokenizer file " + file + ": " + e, e);
        }
    }

    private static ConfigException missing(Path file, IOException cause) {
        return new ConfigException("Tokenizer file not found: " + file + ". A CLIP tokenizer folder holds "
                + VOCAB_NAME + " and " + MERGES_NAME + " (and optionally " + CONFIG_NAME + ", "
                + SPECIAL_TOKENS_NAME + ")", cause);
    }

    /** The special tokens' text, each given either as a string or as an added-token object with a content. */
    private record SpecialTokens(String bos, String eos, String pad, String unk) {

        static final SpecialTokens DEFAULT =
                new SpecialTokens("<|startoftext|>", "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");

        SpecialTokens overriddenBy(JsonNode json) {
            if (json == null) {
                return this;
            }
            return new SpecialTokens(content(json, "bos_token", bos), content(json, "eos_token", eos),
                    content(json, "pad_token", pad), content(json, "unk_token", unk));
        }

        private static String content(JsonNode json, String key, String fallback) {
            JsonNode value = json.get(key);
            if (value == null) {
                return fallback;
            }
            if (value.isObject() && value.hasNonNull("content")) {
                return value.get("content").asText();
            }
            return value.isNull() ? null : value.asText();
        }
    }
}
