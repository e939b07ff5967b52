package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.reprodiff.random.Generator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * transformers' {@code CLIPTextModel}, Stable Diffusion's text encoder, built from its {@code config.json} and
 * loaded from {@code model.safetensors} by transformers' parameter names ({@code text_model.…}).
 *
 * <pre>{@code
 * try (CLIPTextModel textEncoder = CLIPTextModel.fromPretrained(Path.of("stable-diffusion-v1-5/text_encoder"))) {
 *     NDArray promptEmbeds = textEncoder.forward(inputIds);   // (batch, 77, 768), on inputIds' manager
 * }
 * }</pre>
 *
 * <p>The forward pass is what SD feeds the UNet: token plus position embeddings, {@code num_hidden_layers} pre-LN
 * transformer layers with causal self-attention over all positions (no padding mask, as SD 1.x passes none), and
 * the final layer norm; the result is {@code last_hidden_state}. The pooled output and projection are not computed.
 *
 * <p>The weights live on the model's own {@link NDManager} (a sub-manager of the one passed to the factory, or a new
 * base manager) and are freed by {@link #close()}. {@link #forward} is inference only; its intermediate arrays are
 * closed before it returns, and its result belongs to the caller. Loading is strict: unsupported configuration
 * values, and weights with missing, unexpected or wrongly shaped parameters, are errors that name them. The
 * {@code text_model.embeddings.position_ids} buffer that older checkpoints carry is accepted and ignored.
 */
public final class CLIPTextModel extends ModelMixin<CLIPTextConfig> {

    /** The weights file in a text encoder folder, as transformers' {@code save_pretrained} writes it. */
    public static final String WEIGHTS_NAME = "model.safetensors";
    /** The position-ids buffer some checkpoints hold: {@code arange(max_position_embeddings)}, not a parameter. */
    public static final String POSITION_IDS_NAME = "text_model.embeddings.position_ids";

    private static final Loader<CLIPTextConfig, CLIPTextModel> LOADER = new Loader<>(WEIGHTS_NAME,
            CLIPTextConfig::of, CLIPTextModel::new);

    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final List<CLIPEncoderLayer> layers = new ArrayList<>();
    private final Layers.LayerNorm finalLayerNorm;

    private CLIPTextModel(CLIPTextConfig config) {
        super(config);
        // Modules are created in PyTorch's registration order, so the table follows the state_dict's order.
        ParameterTable.Scope textModel = scope("text_model.");
        ParameterTable.Scope embeddings = textModel.child("embeddings");
        tokenEmbedding = embeddings.child("token_embedding").declare("weight", config.vocabSize(),
                config.hiddenSize());
        positionEmbedding = embeddings.child("position_embedding").declare("weight",
                config.maxPositionEmbeddings(), config.hiddenSize());
        ParameterTable.Scope encoderLayers = textModel.child("encoder").child("layers");
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new CLIPEncoderLayer(encoderLayers.child(Integer.toString(i)), config));
        }
        finalLayerNorm = new Layers.LayerNorm(textModel.child("final_layer_norm"), config.hiddenSize(),
                config.layerNormEps());
    }

    /** Loads {@code folder/config.json} and {@code folder/model.safetensors} on a new manager. */
    public static CLIPTextModel fromPretrained(Path folder) {
        return LOADER.fromPretrained(folder);
    }

    /** As {@link #fromPretrained(Path)}, with the weights on a sub-manager of {@code parent}. */
    public static CLIPTextModel fromPretrained(Path folder, NDManager parent) {
        return LOADER.fromPretrained(folder, parent);
    }

    /**
     * A model with weights drawn from {@code generator} (embeddings normal with standard deviation 0.02 as
     * transformers initialises them, linear layers uniform in ±1/sqrt(fan_in) as PyTorch does, layer norms at
     * identity), for benchmarks and shape tests: the architecture is exact, the outputs are meaningless. The
     * weights live on a sub-manager of {@code parent}.
     */
    public static CLIPTextModel withRandomWeights(CLIPTextConfig config, Generator generator, NDManager parent) {
        return LOADER.withRandomWeights(config, generator, parent);
    }

    /**
     * Every parameter name and shape of the model {@code config} describes, in transformers' {@code state_dict}
     * order; a checkpoint for that configuration must hold exactly these (and may hold the position-ids buffer):
     * 123,060,480 parameters for SD 1.5's text encoder.
     */
    public static Map<String, Shape> parameterShapes(CLIPTextConfig config) {
        return LOADER.parameterShapes(config);
    }

    /** The position-ids buffer some checkpoints carry: {@code arange(max_position_embeddings)}, recomputed here. */
    @Override
    Set<String> ignoredWeights() {
        return Set.of(POSITION_IDS_NAME);
    }

    /** transformers' {@code _init_weights}: token and position embeddings normal with standard deviation 0.02. */
    @Override
    NDArray initialWeight(String name, Shape shape, Map<String, Shape> shapes, Generator generator,
                          NDManager manager) {
        if (!name.endsWith("embedding.weight")) {
            return super.initialWeight(name, shape, shapes, generator, manager);
        }
        float[] values = generator.randn(new float[Math.toIntExact(shape.size())]);
        for (int i = 0; i < values.length; i++) {
            values[i] *= 0.02f;
        }
        return manager.create(values, shape);
    }

    /**
     * The last hidden state of {@code inputIds}, as transformers' {@code CLIPTextModel(input_ids)[0]}: what
     * {@code StableDiffusionPipeline.encode_prompt} passes to the UNet as {@code prompt_embeds}.
     *
     * @param inputIds int64 (or int32) token ids of shape (batch, length), length at most
     *        {@code max_position_embeddings}, each below {@code vocab_size}
     * @return float32 (batch, length, hidden_size), on {@code inputIds}' manager
     */
    @SuppressWarnings("try")
    public NDArray forward(NDArray inputIds) {
        requireValidIds(inputIds);
        NDArray output;
        try (NDScope scope = new NDScope()) {
            output = encode(inputIds);
            NDScope.unregister(output);
        }
        output.attach(inputIds.getManager());
        NDScope.register(output);
        return output;
    }

    private NDArray encode(NDArray inputIds) {
        long length = inputIds.getShape().get(1);
        NDArray ids = inputIds.getDataType() == DataType.INT64 ? inputIds : inputIds.toType(DataType.INT64, false);
        // 1. embeddings: token rows plus the rows of positions 0..length-1
        NDArray hidden = Embedding.embedding(ids, tokenEmbedding.array(), SparseFormat.DENSE).singletonOrThrow()
                .add(positionEmbedding.array().get(new NDIndex(":{}", length)));
        // 2. encoder: each position attends to itself and the positions before it
        NDArray mask = causalMask(inputIds.getManager(), (int) length);
        for (CLIPEncoderLayer layer : layers) {
            hidden = layer.forward(hidden, mask);
        }
        // 3. final layer norm: last_hidden_state
        return finalLayerNorm.forward(hidden);
    }

    /** (length, length): 0 on and below the diagonal, -inf above, as openai's {@code build_attention_mask}. */
    private static NDArray causalMask(NDManager manager, int length) {
        float[] mask = new float[length * length];
        for (int row = 0; row < length; row++) {
            Arrays.fill(mask, row * length + row + 1, (row + 1) * length, Float.NEGATIVE_INFINITY);
        }
        return manager.create(mask, new Shape(length, length));
    }

    private void requireValidIds(NDArray inputIds) {
        Shape shape = inputIds.getShape();
        DataType type = inputIds.getDataType();
        if (shape.dimension() != 2 || shape.get(1) < 1 || shape.get(1) > config.maxPositionEmbeddings()
                || (type != DataType.INT64 && type != DataType.INT32)) {
            throw new IllegalArgumentException("CLIPTextModel expects int64 input ids of shape (batch, length) with"
                    + " 1 <= length <= " + config.maxPositionEmbeddings() + " (max_position_embeddings), but got "
                    + type + " " + shape);
        }
        if (shape.get(0) == 0) {
            return;
        }
        long min;
        long max;
        try (NDArray low = inputIds.min(); NDArray high = inputIds.max()) {
            min = type == DataType.INT64 ? low.getLong() : low.getInt();
            max = type == DataType.INT64 ? high.getLong() : high.getInt();
        }
        if (min < 0 || max >= config.vocabSize()) {
            throw new IllegalArgumentException("Input ids must lie in [0, " + config.vocabSize() + ") (vocab_size),"
                    + " but range from " + min + " to " + max);
        }
    }

    @Override
    public String toString() {
        return "CLIPTextModel(" + config.numHiddenLayers() + " layers, hidden " + config.hiddenSize() + ", "
                + numParameters() + " parameters)";
    }
}
