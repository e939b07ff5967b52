package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * What every model shares, as diffusers' {@code ModelMixin}: its configuration, the parameters its architecture
 * declares (under diffusers' names, in {@code state_dict} order), the weights bound to them, and one lifecycle:
 * {@code fromPretrained} from a model folder, {@code withRandomWeights}, {@code parameterShapes}, {@link #close()}.
 * Each model class keeps only its config, its architecture and its {@code forward}.
 *
 * <p>The weights live on the model's own {@link NDManager}: a sub-manager of the one given to the factory, or a new
 * base manager. Loading is strict: missing, unexpected and wrongly shaped parameters are a {@link WeightsException}
 * that lists them all.
 *
 * @param <C> the model's configuration record
 */
public abstract sealed class ModelMixin<C> implements AutoCloseable
        permits UNet2DModel, UNet2DConditionModel, AutoencoderKL, CLIPTextModel {

    /** The configuration file in a model folder. */
    public static final String CONFIG_NAME = "config.json";

    /** The configuration (for the model classes' own code; others read {@link #config()}). */
    final C config;
    private final ParameterTable table = new ParameterTable();
    /** Set once, when the weights are bound; null for a model built only to list its parameters. */
    private NDManager manager;

    ModelMixin(C config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public C config() {
        return config;
    }

    /** Where a module of the architecture declares its parameters: under {@code prefix} ({@code down_blocks.0.}). */
    ParameterTable.Scope scope(String prefix) {
        return table.scope(prefix);
    }

    /** The declared parameters, for code in this package that reaches the weights by name. */
    ParameterTable table() {
        return table;
    }

    /** This model's parameter names and shapes, in {@code state_dict} order. */
    public Map<String, Shape> parameterShapes() {
        return table.shapes();
    }

    /** The number of scalar parameters. */
    public long numParameters() {
        return ModelWeights.count(table.shapes());
    }

    /**
     * The weights by diffusers' parameter names, in {@code state_dict} order: the model's own arrays (do not close
     * them); {@code SafeTensors.save(file, model.stateDict(), metadata)} writes a checkpoint diffusers loads.
     */
    public Map<String, NDArray> stateDict() {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        table.parameters().forEach((name, parameter) -> weights.put(name, parameter.array()));
        return Collections.unmodifiableMap(weights);
    }

    /** Frees the weights. */
    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }

    /** Names a checkpoint may hold besides the parameters (buffers the model recomputes): dropped when loading. */
    Set<String> ignoredWeights() {
        return Set.of();
    }

    /**
     * The initial value of one parameter for {@code withRandomWeights}: PyTorch's default initialisation bounds,
     * uniform in ±1/sqrt(fan_in), and norms (modules whose weight is a vector) at identity.
     */
    NDArray initialWeight(String name, Shape shape, Map<String, Shape> shapes, Generator generator,
                          NDManager manager) {
        return ModelWeights.uniformInit(name, shape, shapes, generator, manager);
    }

    /** Binds the weights (dropping the ignored ones) and takes their manager, which {@link #close()} closes. */
    void bind(Map<String, NDArray> weights, String source, NDManager owner) {
        for (String ignored : ignoredWeights()) {
            NDArray buffer = weights.remove(ignored);
            if (buffer != null) {
                buffer.close();
            }
        }
        ModelWeights.bind(table, weights, source);
        manager = owner;
    }

    /**
     * The lifecycle of one model class, written once; each model's static factories delegate to its loader.
     *
     * @param <C> the configuration record
     * @param <M> the model class
     */
    static final class Loader<C, M extends ModelMixin<C>> {

        private final String weightsName;
        private final Function<ConfigFile, C> readConfig;
        private final Function<C, M> build;

        /**
         * @param weightsName the weights file in a model folder
         * @param readConfig binds and validates the folder's {@code config.json}
         * @param build the architecture a configuration describes, parameters declared but not bound
         */
        Loader(String weightsName, Function<ConfigFile, C> readConfig, Function<C, M> build) {
            this.weightsName = weightsName;
            this.readConfig = readConfig;
            this.build = build;
        }

        /** Loads {@code folder/config.json} and the folder's weights file on a new base manager. */
        M fromPretrained(Path folder) {
            return load(folder, PyTorchEngine.newManager());
        }

        /** As {@link #fromPretrained(Path)}, with the weights on a sub-manager of {@code parent}. */
        M fromPretrained(Path folder, NDManager parent) {
            return load(folder, parent.newSubManager());
        }

        /** A model with weights drawn from {@code generator} by its {@code initialWeight}, on {@code parent}. */
        M withRandomWeights(C config, Generator generator, NDManager parent) {
            Objects.requireNonNull(generator, "generator");
            NDManager manager = parent.newSubManager();
            try {
                M model = build.apply(config);
                Map<String, Shape> shapes = model.parameterShapes();
                Map<String, NDArray> weights = new LinkedHashMap<>();
                shapes.forEach((name, shape) -> weights.put(name,
                        model.initialWeight(name, shape, shapes, generator, manager)));
                model.bind(weights, "random weights", manager);
                return model;
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }

        /** A model bound to {@code weights}, which move to a sub-manager of {@code parent}. */
        M withWeights(C config, Map<String, NDArray> weights, String source, NDManager parent) {
            NDManager manager = parent.newSubManager();
            try {
                M model = build.apply(config);
                Map<String, NDArray> attached = new LinkedHashMap<>();
                weights.forEach((name, array) -> {
                    array.attach(manager);
                    attached.put(name, array);
                });
                model.bind(attached, source, manager);
                return model;
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }

        /** Every parameter name and shape of the model {@code config} describes; no arrays are made. */
        Map<String, Shape> parameterShapes(C config) {
            return build.apply(config).parameterShapes();
        }

        private M load(Path folder, NDManager manager) {
            try {
                M model = build.apply(readConfig.apply(ConfigFile.read(folder.resolve(CONFIG_NAME))));
                Path weights = folder.resolve(weightsName);
                model.bind(ModelWeights.readSafetensors(weights, manager), weights.toString(), manager);
                return model;
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
    }
}
