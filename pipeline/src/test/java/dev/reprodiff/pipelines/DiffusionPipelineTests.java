package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.junit.Seeded;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.schedulers.PNDMScheduler;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sampling loop with a stub scheduler: order of calls, noise scaling, callbacks, ownership and bad input. */
class DiffusionPipelineTests {

    private static final String TINY_FIXTURE = "unet2d/ddim-test-tiny/model";
    private static final Path TINY = FixtureFiles.path(TINY_FIXTURE);

    private StubScheduler scheduler;
    private DDPMPipeline pipeline;

    @BeforeEach
    void buildPipeline() {
        scheduler = new StubScheduler();
        pipeline = new DDPMPipeline(UNet2DModel.fromPretrained(TINY.resolve("unet")), scheduler);
    }

    @AfterEach
    void closePipeline() {
        pipeline.close();
    }

    @Test
    void runsDiffusersLoopWithAnyScheduler() {
        List<String> steps = new ArrayList<>();
        ImagePipelineOptions options = DDPMPipeline.options().numInferenceSteps(2).eta(0.3)
                .generator(new Generator().manualSeed(0)).outputType(OutputType.LATENT)
                .callback((i, t, latents) -> steps.add(i + "@" + t + " " + latents.getShape()));

        try (ImagePipelineOutput output = pipeline.call(options);
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            // the same loop by hand: x = randn * sigma; x = x - 0.1 * unet(x / 2, t)
            NDArray x = new Generator().manualSeed(0).randn(manager, new Shape(1, 3, 8, 8)).mul(2);
            for (double t : new double[] {999.5, 499.5}) {
                x = x.sub(pipeline.unet().forward(x.div(2), t).mul(0.1));
            }
            assertThat(FixtureFiles.linf(output.latents(), x)).isZero();
            assertThat(output.images()).isSameAs(output.latents());
        }
        assertThat(scheduler.calls).containsExactly("copy()", "setTimesteps(2)", "scaleModelInput(999.5)",
                "step(999.5, eta=0.3)", "scaleModelInput(499.5)", "step(499.5, eta=0.3)");
        assertThat(steps).containsExactly("0@999.5 (1, 3, 8, 8)", "1@499.5 (1, 3, 8, 8)");
    }

    @Test
    void npAndPilOutputsAreTheClampedLatents() {
        ImagePipelineOptions options = DDPMPipeline.options().numInferenceSteps(1).batchSize(2);
        try (ImagePipelineOutput np = pipeline.call(options.generator(new Generator().manualSeed(3))
                .outputType(OutputType.NP));
             ImagePipelineOutput pil = pipeline.call(options.generator(new Generator().manualSeed(3))
                     .outputType(OutputType.PIL))) {
            NDArray expected = np.latents().div(2).add(0.5).clip(0, 1).transpose(0, 2, 3, 1);
            assertThat(FixtureFiles.linf(np.images(), expected)).isZero();
            assertThat(np.images().getShape()).isEqualTo(new Shape(2, 8, 8, 3));

            float[] values = np.images().toFloatArray();
            assertThat(pil.pilImages()).hasSize(2);
            int rgb = pil.pilImages().get(1).getRGB(5, 2);
            int base = ((1 * 8 + 2) * 8 + 5) * 3;
            assertThat((rgb >> 16) & 0xFF).isEqualTo(Images.toByte(values[base]));
            assertThat((rgb >> 8) & 0xFF).isEqualTo(Images.toByte(values[base + 1]));
            assertThat(rgb & 0xFF).isEqualTo(Images.toByte(values[base + 2]));
            assertThatThrownBy(pil::images).isInstanceOf(IllegalStateException.class)
                    .hasMessage("This call asked for output type PIL: read pilImages(), or call with outputType(NP)"
                            + " for an array");
        }
    }

    @Test
    void resultsGoToTheCallersManagerAndStepsFreeTheirArrays() {
        try (NDManager caller = NDManager.newBaseManager("PyTorch")) {
            ImagePipelineOutput output = pipeline.call(DDPMPipeline.options().numInferenceSteps(3)
                    .generator(new Generator().manualSeed(1)).outputType(OutputType.NP).manager(caller));

            assertThat(output.latents().getManager().getParentManager()).isSameAs(caller);
            assertThat(output.latents().getManager().getManagedArrays()).hasSize(2);   // latents and images
            output.close();
            assertThat(output.latents().isReleased()).isTrue();
        }
    }

    @Test
    void sameCallTwiceIsBitIdentical() {
        ImagePipelineOptions options = DDPMPipeline.options().numInferenceSteps(3).batchSize(2)
                .outputType(OutputType.NP);
        try (ImagePipelineOutput first = pipeline.call(options.generators(List.of(
                new Generator().manualSeed(4), new Generator().manualSeed(5))));
             ImagePipelineOutput second = pipeline.call(options.generators(List.of(
                     new Generator().manualSeed(4), new Generator().manualSeed(5))))) {
            assertThat(FixtureFiles.linf(first.images(), second.images())).isZero();
        }
    }

    /** Every scheduler reprodiff has runs in the loop, with its step-to-step state surviving the step scopes. */
    @ParameterizedTest
    @ValueSource(strings = {"DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler"})
    void everySchedulerRunsInTheLoopReproducibly(String name) {
        try (DDPMPipeline real = DDPMPipeline.fromPretrained(TINY)) {
            real.setScheduler(Schedulers.create(name, real.scheduler().config()));
            ImagePipelineOptions options = DDPMPipeline.options().numInferenceSteps(5).batchSize(2)
                    .outputType(OutputType.NP);
            try (ImagePipelineOutput first = real.call(options.generator(new Generator().manualSeed(9)));
                 ImagePipelineOutput second = real.call(options.generator(new Generator().manualSeed(9)))) {
                assertThat(first.images().getShape()).isEqualTo(new Shape(2, 8, 8, 3));
                assertThat(first.latents().isNaN().any().getBoolean()).isFalse();
                assertThat(FixtureFiles.linf(first.images(), second.images())).isZero();
            }
        }
    }

    @Test
    void generatorListOfTheWrongLengthNamesBothNumbers() {
        ImagePipelineOptions options = DDPMPipeline.options().numInferenceSteps(2).batchSize(3)
                .generators(List.of(new Generator().manualSeed(0), new Generator().manualSeed(1)));

        assertThatThrownBy(() -> pipeline.call(options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("A list of 2 generators draws one image each, but the batch size of shape"
                        + " (3, 3, 8, 8) is 3.");
        assertThat(scheduler.calls).isEmpty();
    }

    @Test
    void zeroOrNegativeStepsAreRefused() {
        assertThatThrownBy(() -> pipeline.call(DDPMPipeline.options().numInferenceSteps(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numInferenceSteps must be at least 1, but got 0");
        assertThatThrownBy(() -> pipeline.call(DDPMPipeline.options().numInferenceSteps(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numInferenceSteps must be at least 1, but got -5");
        assertThatThrownBy(() -> pipeline.call(DDPMPipeline.options().batchSize(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchSize must be at least 1, but got 0");
    }

    @Test
    void theNoiseIsOneValueThatTheLastSetterDecides() {
        Generator one = new Generator();
        List<Generator> list = List.of(new Generator(), new Generator());

        assertThat(DDPMPipeline.options().noise()).isSameAs(Noise.fresh());
        assertThat(DDPMPipeline.options().generators(list).generator(one).noise()).isEqualTo(Noise.of(one));
        assertThat(DDPMPipeline.options().generator(one).generators(list).noise()).isEqualTo(Noise.perImage(list));
    }

    @Test
    void invalidEtaIsRefusedWhenTheOptionsAreBuilt() {
        assertThatThrownBy(() -> DDPMPipeline.options().eta(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("eta must be a finite number of at least 0 (0: deterministic DDIM, 1: DDPM-like noise),"
                        + " but got -5.0");
        assertThatThrownBy(() -> DDPMPipeline.options().eta(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("but got NaN");
    }

    /** A call without a generator draws a seed, reports it, and that seed replays the call bit for bit. */
    @Test
    void aCallWithoutAGeneratorReportsTheSeedThatReplaysIt() {
        try (DDIMPipeline real = DDIMPipeline.fromPretrained(TINY)) {
            ImagePipelineOptions options = DDIMPipeline.options().numInferenceSteps(3).eta(1.0).batchSize(2)
                    .outputType(OutputType.NP);
            try (ImagePipelineOutput fresh = real.call(options);
                 ImagePipelineOutput other = real.call(options)) {
                assertThat(fresh.seeds()).hasSize(1);
                assertThat(other.seeds()).doesNotContainAnyElementsOf(fresh.seeds());
                try (ImagePipelineOutput replay = real.call(options.generator(Generator.seeded(fresh.seeds()
                        .get(0))))) {
                    assertThat(replay.seeds()).isEqualTo(fresh.seeds());
                    assertThat(replay.images().toFloatArray()).containsExactly(fresh.images().toFloatArray());
                }
            }
            try (ImagePipelineOutput seeded = real.call(options.generators(List.of(Generator.seeded(-1),
                    Generator.seeded(7))))) {
                assertThat(seeded.seeds()).containsExactly(-1L, 7L);
            }
        }
    }

    @Test
    @Seeded(0)
    void nonFiniteWeightsStopTheCallAtTheFirstStepNamingIt(@TempDir Path folder, Generator generator)
            throws IOException {
        FixtureFiles.copy(TINY_FIXTURE, folder);
        Path weights = folder.resolve("unet").resolve(UNet2DModel.WEIGHTS_NAME);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(SafeTensors.load(weights, manager));
            NDArray bias = tensors.get("conv_out.bias");
            tensors.put("conv_out.bias", bias.add(Float.NaN));
            SafeTensors.save(weights, tensors, Map.of("format", "pt"));
        }
        try (DDIMPipeline broken = DDIMPipeline.fromPretrained(folder)) {
            assertThatThrownBy(() -> broken.call(DDIMPipeline.options().numInferenceSteps(4)
                    .generator(generator)))
                    .isInstanceOf(NonFiniteLatentsException.class)
                    .hasMessage("DDIMPipeline: step 1 of 4 (timestep 750) produced 192 non-finite values of 192,"
                            + " the first NaN at index (0, 0, 0, 0). Check the model's weights for NaN or infinite"
                            + " values, its configuration (a negative norm_eps?) and the scheduler's settings; no"
                            + " later step can undo this, so the call stops rather than return NaN images.")
                    .extracting(e -> ((NonFiniteLatentsException) e).stepIndex()).isEqualTo(0);
        }
    }

    /** diffusers loads the scheduler class model_index.json names, with the config file's values. */
    @Test
    void theSchedulerClassIsTheOneModelIndexNames(@TempDir Path folder) throws IOException {
        FixtureFiles.copy(TINY_FIXTURE, folder);
        Path index = folder.resolve("model_index.json");
        Files.writeString(index, Files.readString(index).replace("\"DDIMScheduler\"", "\"PNDMScheduler\""));
        assertThat(Files.readString(folder.resolve("scheduler/scheduler_config.json"))).contains("DDIMScheduler");

        try (DiffusionPipeline pipeline = Pipelines.fromPretrained(folder)) {
            assertThat(pipeline).isInstanceOf(DDIMPipeline.class);
            // DDIMPipeline converts whatever it is given, as diffusers does; DDPMPipeline keeps it.
            assertThat(pipeline.scheduler()).isInstanceOf(DDIMScheduler.class);
        }
        try (DDPMPipeline pipeline = DDPMPipeline.fromPretrained(folder)) {
            assertThat(pipeline.scheduler()).isInstanceOf(PNDMScheduler.class);
            assertThat(pipeline.scheduler().numTrainTimesteps()).isEqualTo(1000);
        }
    }

    @Test
    void aMissingSchedulerConfigIsNamedAsSuch(@TempDir Path folder) throws IOException {
        FixtureFiles.copy(TINY_FIXTURE, folder);
        Files.delete(folder.resolve("scheduler/scheduler_config.json"));

        assertThatThrownBy(() -> Pipelines.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Configuration file not found: " + folder.resolve("scheduler/scheduler_config.json")
                        + ". A diffusers model folder has one per component (save_pretrained writes them).");
    }

    @Test
    void folderWithoutModelIndexIsAnError(@TempDir Path empty) {
        assertThatThrownBy(() -> Pipelines.fromPretrained(empty))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Not a diffusers model folder: " + empty + " has no model_index.json.");
    }

    @Test
    void unsupportedSchedulerClassNamesTheSupportedOnes(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("model_index.json"), "{\"_class_name\": \"DDPMPipeline\","
                + " \"unet\": [\"diffusers\", \"UNet2DModel\"],"
                + " \"scheduler\": [\"diffusers\", \"LMSDiscreteScheduler\"]}");
        Files.createDirectories(folder.resolve("scheduler"));
        Files.writeString(folder.resolve("scheduler/scheduler_config.json"),
                "{\"_class_name\": \"LMSDiscreteScheduler\", \"num_train_timesteps\": 1000}");

        assertThatThrownBy(() -> Pipelines.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"LMSDiscreteScheduler\" for \"scheduler\" in "
                        + folder.resolve("model_index.json") + "; supported values: \"DDPMScheduler\","
                        + " \"DDIMScheduler\", \"PNDMScheduler\", \"EulerDiscreteScheduler\","
                        + " \"EulerAncestralDiscreteScheduler\", \"DPMSolverMultistepScheduler\"");
    }

    @Test
    void missingSchedulerComponentIsNamed(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("model_index.json"), "{\"_class_name\": \"DDPMPipeline\","
                + " \"unet\": [\"diffusers\", \"UNet2DModel\"]}");

        assertThatThrownBy(() -> Pipelines.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage("The pipeline in " + folder + " has no \"scheduler\" component; model_index.json"
                        + " lists [unet]");
    }

    @Test
    void unsupportedPipelineClassIsAnError(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("model_index.json"), "{\"_class_name\": \"LDMPipeline\","
                + " \"unet\": [\"diffusers\", \"UNet2DModel\"]}");

        assertThatThrownBy(() -> Pipelines.fromPretrained(folder))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unsupported value \"LDMPipeline\" for \"_class_name\" in "
                        + folder.resolve("model_index.json") + "; supported values: \"DDPMPipeline\","
                        + " \"DDIMPipeline\", \"StableDiffusionPipeline\"");
    }
}
