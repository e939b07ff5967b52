package dev.reprodiff.io;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A diffusers model folder's {@code model_index.json}: the pipeline class and, for each component folder, the
 * library and class that {@code save_pretrained} recorded ({@code "unet": ["diffusers", "UNet2DModel"]}).
 *
 * @param folder the model folder
 * @param pipelineClass {@code _class_name}, for example {@code DDPMPipeline}
 * @param diffusersVersion {@code _diffusers_version}, or {@code null}
 * @param components component name to its {@code [library, class]}; components set to {@code [null, null]} are absent
 */
public record ModelIndex(Path folder, String pipelineClass, String diffusersVersion,
                         Map<String, Component> components) {

    /** One entry of {@code model_index.json}: where the component's class comes from. */
    public record Component(String library, String className) {
    }

    public ModelIndex {
        components = Collections.unmodifiableMap(new LinkedHashMap<>(components));
    }

    /** Reads {@code folder/model_index.json}; a folder without one is a {@link ConfigException} that says so. */
    public static ModelIndex read(Path folder) {
        Path file = folder.resolve("model_index.json");
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("Not a diffusers model folder: " + folder + " has no model_index.json."
                    + " Point to the folder that save_pretrained wrote (it holds model_index.json, unet/,"
                    + " scheduler/ ...).");
        }
        ConfigFile config = ConfigFile.read(file);
        if (config.className() == null) {
            throw new ConfigException("Missing \"_class_name\" in " + file + ": cannot tell which pipeline it is");
        }
        Map<String, Component> components = new LinkedHashMap<>();
        config.values().forEach((name, value) -> {
            if (value.isArray() && value.size() == 2) {
                if (!value.get(0).isNull() && !value.get(1).isNull()) {
                    components.put(name, new Component(value.get(0).asText(), value.get(1).asText()));
                }
            }
        });
        JsonNode version = config.metadata().get("_diffusers_version");
        return new ModelIndex(folder, config.className(), version == null ? null : version.asText(), components);
    }

    /** The component called {@code name}, or a {@link ConfigException} listing those present. */
    public Component component(String name) {
        Component component = components.get(name);
        if (component == null) {
            throw new ConfigException("The pipeline in " + folder + " has no \"" + name + "\" component;"
                    + " model_index.json lists " + components.keySet());
        }
        return component;
    }

    /**
     * The configuration {@code fileName} of the component {@code name}, for example
     * {@code scheduler/scheduler_config.json}; a component {@code model_index.json} does not list, or a missing file,
     * is a {@link ConfigException} that names it.
     */
    public ConfigFile componentConfig(String name, String fileName) {
        component(name);
        return ConfigFile.read(folder.resolve(name).resolve(fileName));
    }
}
