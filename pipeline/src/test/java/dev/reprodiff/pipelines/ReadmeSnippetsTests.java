package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's pipeline, Stable Diffusion and Noise snippets, as written, on the fixtures' small models. */
class ReadmeSnippetsTests {

    @Test
    void noiseSnippet() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Noise.Seeded noise = Noise.fresh().forBatch(new Shape(4, 3, 32, 32));
            NDArray latents = noise.randn(new Shape(4, 3, 32, 32), DataType.FLOAT32, manager);
            long seed = noise.seeds().get(0);

            NDArray replayed = Noise.of(Generator.seeded(seed)).randn(new Shape(4, 3, 32, 32), DataType.FLOAT32,
                    manager);
            assertThat(replayed.toFloatArray()).containsExactly(latents.toFloatArray());
        }
    }

    @Test
    void pipelineSnippet() {
        Path folder = FixtureFiles.path("unet2d/ddpm-cifar-small/model");   // README: ddpm-cifar10-32
        try (DiffusionPipeline loaded = Pipelines.fromPretrained(folder)) {
            DDPMPipeline pipeline = (DDPMPipeline) loaded;
            pipeline.setScheduler(DDIMScheduler.fromConfig(pipeline.scheduler().config()));
            try (ImagePipelineOutput out = pipeline.call(DDPMPipeline.options().numInferenceSteps(5)
                    .generator(Generator.seeded(0)).outputType(OutputType.NP))) {
                NDArray images = out.images();
                assertThat(images.getShape()).isEqualTo(new Shape(1, 32, 32, 3));
            }
            try (ImagePipelineOutput out = pipeline.call(DDPMPipeline.options().numInferenceSteps(5))) {
                assertThat(out.seeds()).hasSize(1);
            }
        }
    }

    @Test
    void stableDiffusionSnippet() {
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.fromPretrained(FixtureFiles.path(
                "sd-tiny/model"))) {
            pipe.setScheduler(DDIMScheduler.fromConfig(pipe.scheduler().config()));
            try (ImagePipelineOutput out = pipe.call(StableDiffusionPipeline.options()
                    .prompt("Labrador in the style of Vermeer").numImagesPerPrompt(4)
                    .generators(List.of(Generator.seeded(0), Generator.seeded(1), Generator.seeded(2),
                            Generator.seeded(3)))
                    .guidanceScale(7.5).numInferenceSteps(2).outputType(OutputType.PIL))) {
                BufferedImage grid = Images.makeImageGrid(out.pilImages(), 2, 2);
                assertThat(grid.getWidth()).isEqualTo(128);
                assertThat(out.seeds()).containsExactly(0L, 1L, 2L, 3L);
            }
        }
    }
}
