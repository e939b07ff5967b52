package dev.reprodiff.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.models.UNet2DConfig;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultModelTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void loadsAsADdimPipelineAndTheFolderIsDeletedOnClose() {
        Path extracted;
        try (DefaultModel.Folder folder = DefaultModel.extract();
             DiffusionPipeline pipeline = Pipelines.fromPretrained(folder.path())) {
            extracted = folder.path();
            assertThat(pipeline).isInstanceOf(DDIMPipeline.class);
            assertThat(pipeline.scheduler()).isInstanceOf(DDIMScheduler.class);
            UNet2DModel unet = ((DDIMPipeline) pipeline).unet();
            assertThat(unet.numParameters()).isEqualTo(686_769L);
            assertThat(unet.config().inChannels()).isEqualTo(1);
        }
        assertThat(Files.exists(extracted)).isFalse();
    }

    /** diffusers' UNet2DModel config fields, exactly: the keys of the fixtures that diffusers itself wrote. */
    @Test
    void theUnetConfigHasExactlyDiffusersFields() throws IOException {
        try (DefaultModel.Folder folder = DefaultModel.extract()) {
            Set<String> keys = keys(folder.path().resolve("unet/config.json"));

            // configs that diffusers 0.28 wrote: the same keys
            for (String fixture : new String[] {"unet2d/ddim-test-tiny/model/unet/config.json",
                "unet2d/ddpm-cifar-small/model/unet/config.json"}) {
                assertThat(keys).as(fixture).isEqualTo(keys(FixtureFiles.path(fixture)));
            }
            // google/ddpm-cifar10-32's, written by an older diffusers: a subset
            assertThat(keys).containsAll(keys(FixtureFiles.path("configs/ddpm-cifar10-32/unet_config.json")));
            UNet2DConfig.read(folder.path().resolve("unet/config.json"));   // and reprodiff reads every one
        }
    }

    @Test
    void theSchedulerAndIndexHaveExactlyDiffusersFields() throws IOException {
        try (DefaultModel.Folder folder = DefaultModel.extract()) {
            assertThat(keys(folder.path().resolve("scheduler/scheduler_config.json")))
                    .isEqualTo(keys(FixtureFiles.path("unet2d/ddim-test-tiny/model/scheduler/scheduler_config.json")));
            assertThat(keys(folder.path().resolve("model_index.json")))
                    .isEqualTo(keys(FixtureFiles.path("unet2d/ddim-test-tiny/model/model_index.json")));
            assertThat(JSON.readTree(folder.path().resolve("model_index.json").toFile()).get("_class_name").asText())
                    .isEqualTo("DDIMPipeline");
        }
    }

    /** The weights file is the one the model card describes (its SHA-256), with diffusers' names only. */
    @Test
    void theWeightsAreTheOnesTheModelCardNames() throws IOException {
        try (DefaultModel.Folder folder = DefaultModel.extract()) {
            Path weights = folder.path().resolve("unet").resolve(UNet2DModel.WEIGHTS_NAME);
            String card = Files.readString(folder.path().resolve("README.md"));

            assertThat(card).contains("SHA-256 `" + GoldenFiles.sha256(weights) + "`")
                    .contains("Copyright (c) 2017 Zalando SE");
            assertThat(SafeTensors.readHeader(weights).names()).containsExactlyElementsOf(
                    UNet2DModel.parameterShapes(UNet2DConfig.read(folder.path().resolve("unet/config.json")))
                            .keySet());
        }
    }

    private static Set<String> keys(Path file) throws IOException {
        Set<String> keys = new TreeSet<>();
        JsonNode node = JSON.readTree(file.toFile());
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            keys.add(names.next());
        }
        return keys;
    }
}
