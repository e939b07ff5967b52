package dev.reprodiff.pipelines;

import ai.djl.Device;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ModelIndex;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Loads the pipeline a diffusers folder names, as diffusers' {@code DiffusionPipeline.from_pretrained} does: its
 * {@code model_index.json}'s {@code _class_name} picks {@link DDPMPipeline}, {@link DDIMPipeline} or
 * {@link StableDiffusionPipeline}.
 *
 * <pre>{@code
 * try (DiffusionPipeline pipeline = Pipelines.fromPretrained(Path.of("ddpm-cifar10-32"))) {
 *     if (pipeline instanceof DDPMPipeline ddpm) {
 *         ImagePipelineOutput out = ddpm.call(DDPMPipeline.options().generator(Generator.seeded(0)));
 *     }
 * }
 * }</pre>
 */
public final class Pipelines {

    private static final Map<String, BiFunction<ModelIndex, Device, DiffusionPipeline>> BY_NAME =
            new LinkedHashMap<>();

    static {
        BY_NAME.put("DDPMPipeline", DDPMPipeline::load);
        BY_NAME.put("DDIMPipeline", DDIMPipeline::load);
        BY_NAME.put("StableDiffusionPipeline", StableDiffusionPipeline::load);
    }

    private Pipelines() {
    }

    /**
     * The pipeline in {@code folder}, on the engine's default device.
     *
     * @throws ConfigException if the folder has no {@code model_index.json}, or names a pipeline, model or
     *         scheduler reprodiff does not implement, or a component's file is missing
     * @throws dev.reprodiff.models.WeightsException if a model's weights do not fit its config
     */
    public static DiffusionPipeline fromPretrained(Path folder) {
        return fromPretrained(folder, Components.defaultDevice());
    }

    /**
     * As {@link #fromPretrained(Path)}, with the weights and every computation on {@code device} (for example
     * {@code Device.gpu()}). The noise is still drawn by the CPU {@code Generator} and then moved to the device, as
     * diffusers recommends for reproducible GPU runs, so a seed gives the same starting noise on every device.
     */
    public static DiffusionPipeline fromPretrained(Path folder, Device device) {
        ModelIndex index = ModelIndex.read(folder);
        BiFunction<ModelIndex, Device, DiffusionPipeline> load = BY_NAME.get(index.pipelineClass());
        if (load == null) {
            throw ConfigException.unsupported(folder.resolve("model_index.json").toString(), "_class_name",
                    index.pipelineClass(), BY_NAME.keySet());
        }
        return load.apply(index, device);
    }
}
