package dev.reprodiff.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@code CLIPTextModel}'s {@code text_encoder/config.json} (transformers' {@code CLIPTextConfig}), bound with
 * {@link ConfigFile#bind}. Keys missing from the file take transformers' defaults. Besides this record's keys, the
 * generic keys every transformers config may carry ({@code architectures}, {@code torch_dtype}, generation settings
 * ...) are accepted and ignored, since none changes the text encoder's last hidden state; any other key is refused.
 *
 * <p>The token ids in this file ({@code bos_token_id}, {@code eos_token_id}, {@code pad_token_id}) are legacy values
 * in SD 1.5 (0, 2, 1): the tokenizer's files are the authority on special tokens, never this config.
 *
 * @param vocabSize rows of the token embedding
 * @param hiddenSize width of the hidden states
 * @param intermediateSize width of the MLP's hidden layer
 * @param projectionDim only used by {@code CLIPTextModelWithProjection}; ignored
 * @param numHiddenLayers encoder layers
 * @param numAttentionHeads heads of each self-attention; must divide {@code hidden_size}
 * @param maxPositionEmbeddings rows of the position embedding: the longest input (77)
 * @param hiddenAct the MLP's activation
 * @param layerNormEps epsilon of every layer norm
 * @param attentionDropout ignored: inference only
 * @param dropout ignored: inference only
 * @param initializerRange ignored: training initialisation
 * @param initializerFactor ignored: training initialisation
 * @param padTokenId ignored (see above)
 * @param bosTokenId ignored (see above)
 * @param eosTokenId ignored: only the pooled output, which reprodiff does not compute, uses it
 */
public record CLIPTextConfig(
        Integer vocabSize,
        Integer hiddenSize,
        Integer intermediateSize,
        Integer projectionDim,
        Integer numHiddenLayers,
        Integer numAttentionHeads,
        Integer maxPositionEmbeddings,
        HiddenAct hiddenAct,
        Double layerNormEps,
        Double attentionDropout,
        Double dropout,
        Double initializerRange,
        Double initializerFactor,
        Integer padTokenId,
        Integer bosTokenId,
        Integer eosTokenId) {

    /** {@code hidden_act}: transformers' {@code ACT2FN} names reprodiff implements. */
    public enum HiddenAct {
        /** {@code x * sigmoid(1.702 * x)}, CLIP's own. */
        @JsonProperty("quick_gelu") QUICK_GELU,
        /** {@code x * Φ(x)} with the exact normal CDF. */
        @JsonProperty("gelu") GELU
    }

    /** Keys of transformers' {@code PretrainedConfig} that do not affect the text encoder's forward pass. */
    static final Set<String> GENERIC_KEYS = Set.of("architectures", "model_type", "torch_dtype", "dtype",
            "transformers_version", "return_dict", "output_hidden_states", "output_attentions", "torchscript",
            "use_bfloat16", "tf_legacy_loss", "pruned_heads", "tie_word_embeddings", "chunk_size_feed_forward",
            "is_encoder_decoder", "is_decoder", "cross_attention_hidden_size", "add_cross_attention",
            "tie_encoder_decoder", "max_length", "min_length", "do_sample", "early_stopping", "num_beams",
            "num_beam_groups", "diversity_penalty", "temperature", "top_k", "top_p", "typical_p",
            "repetition_penalty", "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size",
            "bad_words_ids", "num_return_sequences", "output_scores", "return_dict_in_generate",
            "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
            "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "finetuning_task",
            "id2label", "label2id", "num_labels", "tokenizer_class", "prefix", "sep_token_id",
            "decoder_start_token_id", "task_specific_params", "problem_type", "gradient_checkpointing");

    public CLIPTextConfig {
        vocabSize = Objects.requireNonNullElse(vocabSize, 49408);
        hiddenSize = Objects.requireNonNullElse(hiddenSize, 512);
        intermediateSize = Objects.requireNonNullElse(intermediateSize, 2048);
        projectionDim = Objects.requireNonNullElse(projectionDim, 512);
        numHiddenLayers = Objects.requireNonNullElse(numHiddenLayers, 12);
        numAttentionHeads = Objects.requireNonNullElse(numAttentionHeads, 8);
        maxPositionEmbeddings = Objects.requireNonNullElse(maxPositionEmbeddings, 77);
        hiddenAct = Objects.requireNonNullElse(hiddenAct, HiddenAct.QUICK_GELU);
        layerNormEps = Objects.requireNonNullElse(layerNormEps, 1e-5);
        attentionDropout = Objects.requireNonNullElse(attentionDropout, 0.0);
        dropout = Objects.requireNonNullElse(dropout, 0.0);
        initializerRange = Objects.requireNonNullElse(initializerRange, 0.02);
        initializerFactor = Objects.requireNonNullElse(initializerFactor, 1.0);
        padTokenId = Objects.requireNonNullElse(padTokenId, 1);
        bosTokenId = Objects.requireNonNullElse(bosTokenId, 49406);
        eosTokenId = Objects.requireNonNullElse(eosTokenId, 49407);
    }

    /** Reads and validates a {@code config.json}, as {@link #of(ConfigFile)}. */
    public static CLIPTextConfig read(Path configJson) {
        return of(ConfigFile.read(configJson));
    }

    /**
     * Binds and validates a configuration: unknown keys, unsupported values ({@code hidden_act} other than
     * {@code quick_gelu} and {@code gelu}) and inconsistent sizes are {@link ConfigException}s naming the file and
     * the key.
     */
    public static CLIPTextConfig of(ConfigFile file) {
        Set<String> unknown = new TreeSet<>(file.unknownKeys(CLIPTextConfig.class));
        unknown.removeAll(GENERIC_KEYS);
        if (!unknown.isEmpty()) {
            throw new ConfigException("Unknown keys " + unknown + " in " + file.source() + ": reprodiff's"
                    + " CLIPTextModel does not implement them and will not ignore what could change the"
                    + " architecture; supported keys: " + ConfigFile.knownKeys(CLIPTextConfig.class));
        }
        CLIPTextConfig config = file.bind(CLIPTextConfig.class);
        config.validate(file.source());
        return config;
    }

    /** Checks what binding cannot, as transformers' {@code CLIPAttention} constructor does. */
    void validate(String source) {
        requirePositive(source, "vocab_size", vocabSize);
        requirePositive(source, "hidden_size", hiddenSize);
        requirePositive(source, "intermediate_size", intermediateSize);
        requirePositive(source, "num_hidden_layers", numHiddenLayers);
        requirePositive(source, "num_attention_heads", numAttentionHeads);
        requirePositive(source, "max_position_embeddings", maxPositionEmbeddings);
        ConfigChecks.requireEpsilon(source, "layer_norm_eps", layerNormEps);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ConfigException("\"hidden_size\" value " + hiddenSize + " is not divisible by"
                    + " \"num_attention_heads\" " + numAttentionHeads + " in " + source);
        }
    }

    private static void requirePositive(String source, String key, int value) {
        if (value <= 0) {
            throw new ConfigException("\"" + key + "\" must be positive in " + source + ", not " + value);
        }
    }

    /** Channels per attention head, {@code hidden_size / num_attention_heads}. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
