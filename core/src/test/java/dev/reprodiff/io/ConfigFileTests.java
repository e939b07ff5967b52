package dev.reprodiff.io;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileTests {

    enum Schedule {
        @JsonProperty("linear") LINEAR,
        @JsonProperty("scaled_linear") SCALED_LINEAR
    }

    record ExampleConfig(Integer numTrainTimesteps, Double betaStart, Schedule betaSchedule, Boolean clipSample,
                         List<Double> trainedBetas) {
        ExampleConfig {
            numTrainTimesteps = numTrainTimesteps == null ? 1000 : numTrainTimesteps;
        }
    }

    @TempDir
    Path dir;

    @Test
    void separatesMetadataFromValuesAndKeepsUnknownKeys() throws IOException {
        ConfigFile config = ConfigFile.read(write("scheduler_config.json", """
                {"_class_name": "DDIMScheduler", "_diffusers_version": "0.28.0",
                 "beta_start": 0.0001, "beta_schedule": "scaled_linear", "clip_sample": false,
                 "timestep_spacing": "leading", "trained_betas": null}"""));

        assertThat(config.className()).isEqualTo("DDIMScheduler");
        assertThat(config.metadata()).containsOnlyKeys("_class_name", "_diffusers_version");
        assertThat(config.values()).containsOnlyKeys("beta_start", "beta_schedule", "clip_sample",
                "timestep_spacing", "trained_betas");
        assertThat(config.unknownKeys(ExampleConfig.class)).containsExactly("timestep_spacing");

        ExampleConfig bound = config.bind(ExampleConfig.class);
        assertThat(bound).isEqualTo(new ExampleConfig(1000, 0.0001, Schedule.SCALED_LINEAR, false, null));
    }

    @Test
    void unsupportedEnumValueNamesKeyValueFileAndSupportedValues() throws IOException {
        Path file = write("scheduler_config.json", "{\"beta_schedule\": \"cosine\"}");
        assertThatThrownBy(() -> ConfigFile.read(file).bind(ExampleConfig.class))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"cosine\" for \"beta_schedule\" in " + file
                        + "; supported values: \"linear\", \"scaled_linear\"");
    }

    @Test
    void wrongValueTypeNamesTheKeyAndTheExpectedType() throws IOException {
        Path file = write("config.json", "{\"num_train_timesteps\": \"many\"}");
        assertThatThrownBy(() -> ConfigFile.read(file).bind(ExampleConfig.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value \"many\" for \"num_train_timesteps\" in " + file
                        + ": expected an integer");
    }

    @Test
    void malformedJsonNamesFileLineAndColumn() throws IOException {
        Path file = write("config.json", "{\n  \"a\": 1,\n  \"b\" 2\n}");
        assertThatThrownBy(() -> ConfigFile.read(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Malformed JSON in " + file + " at line 3, column 7: ");
    }

    @Test
    void nonObjectAndMissingFilesAreClearErrors() throws IOException {
        Path list = write("config.json", "[1, 2]");
        assertThatThrownBy(() -> ConfigFile.read(list))
                .hasMessage("Expected a JSON object in " + list + " but found array");
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> ConfigFile.read(missing))
                .hasMessage("Configuration file not found: " + missing
                        + ". A diffusers model folder has one per component (save_pretrained writes them).");
    }

    @Test
    void readsPythonsInfinityAsDiffusersWritesIt() throws IOException {
        ConfigFile config = ConfigFile.read(write("scheduler_config.json", "{\"lambda_min_clipped\": -Infinity}"));
        assertThat(config.get("lambda_min_clipped").asDouble()).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void withReplacesValuesAndKeepsTheRest() {
        ConfigFile config = ConfigFile.of("memory", Map.of("beta_start", 0.1, "clip_sample", true));
        ConfigFile changed = config.with(Map.of("clip_sample", false));
        assertThat(changed.bind(ExampleConfig.class).clipSample()).isFalse();
        assertThat(changed.bind(ExampleConfig.class).betaStart()).isEqualTo(0.1);
        assertThat(config.bind(ExampleConfig.class).clipSample()).isTrue();
        assertThat(changed.source()).isEqualTo("memory (with clip_sample)");
    }

    @Test
    void modelIndexListsComponentsAndSkipsAbsentOnes() throws IOException {
        write("model_index.json", """
                {"_class_name": "DDPMPipeline", "_diffusers_version": "0.28.0",
                 "scheduler": ["diffusers", "DDPMScheduler"], "unet": ["diffusers", "UNet2DModel"],
                 "safety_checker": [null, null]}""");
        ModelIndex index = ModelIndex.read(dir);
        assertThat(index.pipelineClass()).isEqualTo("DDPMPipeline");
        assertThat(index.diffusersVersion()).isEqualTo("0.28.0");
        assertThat(index.components()).containsOnlyKeys("scheduler", "unet");
        assertThat(index.component("unet")).isEqualTo(new ModelIndex.Component("diffusers", "UNet2DModel"));
        assertThatThrownBy(() -> index.component("vae"))
                .hasMessage("The pipeline in " + dir + " has no \"vae\" component; model_index.json lists"
                        + " [scheduler, unet]");
    }

    @Test
    void folderWithoutModelIndexIsNotAModel() {
        assertThatThrownBy(() -> ModelIndex.read(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Not a diffusers model folder: " + dir + " has no model_index.json. Point to the folder"
                        + " that save_pretrained wrote (it holds model_index.json, unet/, scheduler/ ...).");
    }

    private Path write(String name, String json) throws IOException {
        return Files.writeString(dir.resolve(name), json);
    }
}
