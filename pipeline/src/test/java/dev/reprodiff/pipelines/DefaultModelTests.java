package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.models.UNet2DConfig;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Generator;
import dev.reprodiff.schedulers.DDPMScheduler;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultModelTests {

    @Test
    void embeddedWeightsAreExactlyTheSeededDraw() throws IOException {
        try (DefaultModel.Folder folder = DefaultModel.extract();
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Path unetDir = folder.path().resolve("unet");
            Map<String, NDArray> shipped = SafeTensors.load(unetDir.resolve(UNet2DModel.WEIGHTS_NAME), manager);
            try (UNet2DModel drawn = UNet2DModel.withRandomWeights(UNet2DConfig.read(unetDir.resolve("config.json")),
                    Generator.seeded(DefaultModel.WEIGHTS_SEED), manager)) {
                assertThat(shipped.keySet()).containsExactlyElementsOf(drawn.stateDict().keySet());
                drawn.stateDict().forEach((name, weight) ->
                        assertThat(shipped.get(name).contentEquals(weight)).as(name).isTrue());
                assertThat(drawn.numParameters()).isEqualTo(565_315L);
            }
        }
    }

    @Test
    void loadsAsADdpmPipelineAndTheFolderIsDeletedOnClose() {
        Path extracted;
        try (DefaultModel.Folder folder = DefaultModel.extract();
             DiffusionPipeline pipeline = Pipelines.fromPretrained(folder.path())) {
            extracted = folder.path();
            assertThat(pipeline).isInstanceOf(DDPMPipeline.class);
            assertThat(pipeline.scheduler()).isInstanceOf(DDPMScheduler.class);
        }
        assertThat(Files.exists(extracted)).isFalse();
    }

    /** Writes the embedded weights: run once when the default model's config changes, then commit the file. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0]
                : "pipeline/src/main/resources/dev/reprodiff/pipelines/default-model/unet");
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DModel unet = UNet2DModel.withRandomWeights(UNet2DConfig.read(dir.resolve("config.json")),
                     Generator.seeded(DefaultModel.WEIGHTS_SEED), manager)) {
            SafeTensors.save(dir.resolve(UNet2DModel.WEIGHTS_NAME), unet.stateDict(),
                    Map.of("format", "pt", "origin", "reprodiff: untrained, drawn from Generator.seeded("
                            + DefaultModel.WEIGHTS_SEED + ") with PyTorch's default initialisation bounds"));
        }
    }
}
