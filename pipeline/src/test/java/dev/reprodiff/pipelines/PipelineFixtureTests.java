package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.random.Generator;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.testing.FixtureFiles;
import dev.reprodiff.testing.Fixtures;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.reprodiff.junit.ReproAssertions.assertThatTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every pipeline case of the unet2d fixtures (diffusers' DDPMPipeline and DDIMPipeline, and the generic loop with
 * other schedulers): images, final latents and every step of the trajectory within the manifest's tolerance.
 */
class PipelineFixtureTests {

    static final List<String> MODELS = List.of("ddim-test-tiny", "ddpm-cifar-small");

    @AfterAll
    static void reportWorst() {
        System.out.println(FixtureFiles.report());
    }

    static Stream<Arguments> pipelineCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : MODELS) {
            try (Fixtures fixtures = Fixtures.load("unet2d/" + model + "/cases")) {
                for (JsonNode c : fixtures.manifest().get("cases")) {
                    if (c.get("kind").asText().equals("pipeline")) {
                        cases.add(Arguments.of(model, Named.of(model + " " + c.get("name").asText(), c)));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("pipelineCases")
    void pipelineMatchesDiffusers(String model, JsonNode testCase) {
        try (Fixtures fixtures = Fixtures.load("unet2d/" + model + "/cases");
             DiffusionPipeline pipeline = pipelineFor(model, testCase);
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<NDArray> trajectory = new ArrayList<>();
            ImagePipelineOptions options = optionsFor(testCase).outputType(OutputType.NP).manager(manager)
                    .callback((i, t, latents) -> trajectory.add(manager.create(latents.toFloatArray(),
                            latents.getShape())));

            try (ImagePipelineOutput output = ((UnconditionalPipeline) pipeline).call(options)) {
                String group = model + " " + testCase.get("pipeline").asText() + " ";
                double tolerance = testCase.get("tolerance_linf").asDouble();
                // The generic loop's Euler latents are about 500 in size (init_noise_sigma 157) and its first step
                // multiplies the model's error by dt ~ -157, uniformly over the sample. There a float32
                // reimplementation gets |actual - expected| <= atol + 1e-6 * max|expected| (an absolute tolerance
                // on the sample's scale) rather than atol alone. The images, clamped to [0, 1], keep atol.
                double rtol = pipeline.scheduler().initNoiseSigma() > 1 ? 1e-6 : 0;
                NDArray expectedTrajectory = fixtures.tensor(testCase.get("trajectory").asText());
                assertThat(trajectory).hasSize((int) expectedTrajectory.getShape().get(0));
                for (int step = 0; step < trajectory.size(); step++) {
                    NDArray expected = expectedTrajectory.get(step);
                    FixtureFiles.record(group + "trajectory", FixtureFiles.linf(trajectory.get(step), expected));
                    assertClose(trajectory.get(step), expected, tolerance, rtol, "step " + step);
                }
                NDArray latents = fixtures.tensor(testCase.get("latents").asText());
                FixtureFiles.record(group + "latents", FixtureFiles.linf(output.latents(), latents));
                assertClose(output.latents(), latents, tolerance, rtol, "latents");
                assertThat(FixtureFiles.record(group + "images", FixtureFiles.linf(output.images(),
                        fixtures.tensor(testCase.get("images").asText())))).isLessThanOrEqualTo(tolerance);
                assertThat(output.images().abs().sum().getFloat())
                        .isCloseTo((float) testCase.get("images_abs_sum").asDouble(), within(1e-2f));
            }
        }
    }

    /** |actual - expected| <= atol + rtol * max|expected| everywhere: an absolute bound on the sample's scale. */
    private static void assertClose(NDArray actual, NDArray expected, double atol, double rtol, String what) {
        double bound = atol + rtol * expected.abs().max().getFloat();
        assertThatTensor(actual).as(what).isCloseTo(expected, bound, 0);
    }

    /** diffusers' own DDIM fast test: {@code image[0, -3:, -3:, -1]} of a 2-step run from seed 0. */
    @Test
    void ddimFastTestSlice() {
        try (DiffusionPipeline pipeline = Pipelines.fromPretrained(model("ddim-test-tiny"));
             NDManager manager = NDManager.newBaseManager("PyTorch");
             ImagePipelineOutput output = ((DDIMPipeline) pipeline).call(DDIMPipeline.options().generator(
                     new Generator().manualSeed(0)).numInferenceSteps(2).outputType(OutputType.NP).manager(manager))) {
            assertThat(pipeline).isInstanceOf(DDIMPipeline.class);
            NDArray images = output.images();
            assertThat(images.getShape().getShape()).containsExactly(1, 8, 8, 3);

            float[] slice = images.get(new NDIndex("0, -3:, -3:, -1")).flatten().toFloatArray();

            float[] expected = {0.0f, 0.99797f, 0.0f, 0.99998f, 0.99863f, 0.99916f, 0.00071f, 0.0f, 0.0f};
            for (int i = 0; i < expected.length; i++) {
                assertThat(slice[i]).as("slice[%d]", i).isCloseTo(expected[i], within(1e-4f));
            }
        }
    }

    /** PIL output is numpy_to_pil of the NP images: each byte within one of round(255 * diffusers' image). */
    @Test
    void pilImagesAreDiffusersImagesAsBytes() {
        try (Fixtures fixtures = Fixtures.load("unet2d/ddim-test-tiny/cases");
             DDIMPipeline pipeline = DDIMPipeline.fromPretrained(model("ddim-test-tiny"))) {
            List<Generator> generators = List.of(new Generator().manualSeed(0), new Generator().manualSeed(1),
                    new Generator().manualSeed(2));
            ImagePipelineOptions options = DDIMPipeline.options().batchSize(3).generators(generators)
                    .numInferenceSteps(4).outputType(OutputType.PIL);
            float[] expected = fixtures.tensor("ddim.seeds0-1-2.b3.s4.images").toFloatArray();

            try (ImagePipelineOutput output = pipeline.call(options)) {
                List<java.awt.image.BufferedImage> images = output.pilImages();
                assertThat(images).hasSize(3);
                int index = 0;
                for (java.awt.image.BufferedImage image : images) {
                    for (int y = 0; y < 8; y++) {
                        for (int x = 0; x < 8; x++) {
                            int rgb = image.getRGB(x, y);
                            for (int shift = 16; shift >= 0; shift -= 8) {
                                assertThat((rgb >> shift) & 0xFF).as("byte %d", index)
                                        .isCloseTo(Images.toByte(expected[index++]), within(1));
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)} runs the DDIM fixture case. */
    @Test
    void swappedSchedulerRunsTheSameLoop() {
        try (Fixtures fixtures = Fixtures.load("unet2d/ddpm-cifar-small/cases");
             DiffusionPipeline loaded = Pipelines.fromPretrained(model("ddpm-cifar-small"))) {
            assertThat(loaded).isInstanceOf(DDPMPipeline.class);
            DDPMPipeline pipeline = (DDPMPipeline) loaded;
            pipeline.setScheduler(DDIMScheduler.fromConfig(pipeline.scheduler().config()));

            try (ImagePipelineOutput output = pipeline.call(DDIMPipeline.options().numInferenceSteps(2)
                    .generator(new Generator().manualSeed(0)).outputType(OutputType.NP))) {
                assertThat(FixtureFiles.linf(output.images(), fixtures.tensor("ddim.seeds0.b1.s2.images")))
                        .isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    void sameCallTwiceInOneJvmIsBitIdentical() {
        for (String name : MODELS) {
            try (DDIMPipeline pipeline = DDIMPipeline.fromPretrained(model(name));
                 NDManager manager = NDManager.newBaseManager("PyTorch")) {
                ImagePipelineOptions options = DDIMPipeline.options().numInferenceSteps(4).eta(1.0).batchSize(2)
                        .outputType(OutputType.NP).manager(manager);
                NDArray first = pipeline.call(options.generator(new Generator().manualSeed(11))).images();
                NDArray second = pipeline.call(options.generator(new Generator().manualSeed(11))).images();

                assertThat(FixtureFiles.linf(first, second)).as(name).isZero();
            }
        }
    }

    /**
     * The case's pipeline class on the model folder, with the case's scheduler class built from the folder's
     * scheduler config ({@code Scheduler.from_config}); the generic loop runs in a DDPMPipeline, whose loop is it.
     */
    private static DiffusionPipeline pipelineFor(String model, JsonNode testCase) {
        String pipeline = testCase.get("pipeline").asText();
        String scheduler = testCase.get("scheduler").asText();
        DiffusionPipeline loaded = pipeline.equals("DDIMPipeline") ? DDIMPipeline.fromPretrained(model(model))
                : DDPMPipeline.fromPretrained(model(model));
        if (!loaded.scheduler().getClass().getSimpleName().equals(scheduler)) {
            ConfigFile config = loaded.scheduler().config();
            if (pipeline.equals("generic unconditional loop")) {
                // The fixture built this scheduler with from_config of the in-memory DDIM/DDPM config, whose
                // _use_default_values lists timestep_spacing (not passed when that scheduler was created), so
                // diffusers gave it its own default, "linspace". save_pretrained drops _use_default_values, so the
                // JSON on disk says "leading"; loading that file in diffusers gives "leading" too.
                config = config.with(Map.of("timestep_spacing", "linspace"));
            }
            try {
                loaded.setScheduler(Schedulers.create(scheduler, config));
            } catch (ConfigException e) {
                loaded.close();
                Assumptions.abort(scheduler + " is not implemented yet: " + e.getMessage());
            }
        }
        return loaded;
    }

    private static ImagePipelineOptions optionsFor(JsonNode testCase) {
        ImagePipelineOptions options = ImagePipelineOptions.defaults()
                .batchSize(testCase.get("batch_size").asInt())
                .numInferenceSteps(testCase.get("num_inference_steps").asInt());
        if (testCase.hasNonNull("eta")) {
            options = options.eta(testCase.get("eta").asDouble());
        }
        List<Generator> generators = new ArrayList<>();
        testCase.get("generator_seeds").forEach(seed -> generators.add(new Generator().manualSeed(seed.asLong())));
        return testCase.get("generator_is_list").asBoolean() ? options.generators(generators)
                : options.generator(generators.get(0));
    }

    private static Path model(String name) {
        return FixtureFiles.path("unet2d/" + name + "/model");
    }
}
