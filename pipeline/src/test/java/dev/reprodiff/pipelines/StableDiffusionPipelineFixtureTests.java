package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;
import dev.reprodiff.testing.FixtureFiles;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every case of {@code sd-tiny/cases/pipeline}: diffusers' {@code StableDiffusionPipeline.__call__} on the tiny model
 * folders, compared on the timesteps, prompt embeddings, initial latents, every step's latents, the final latents and
 * the images, within the tolerance each case states.
 */
class StableDiffusionPipelineFixtureTests {

    static final String GROUP = "sd-tiny/cases/pipeline";
    private static final Pattern SEEDS = Pattern.compile("for s in \\[([0-9, ]+)\\]");
    private static final Pattern SEED = Pattern.compile("manual_seed\\(([0-9]+)\\)");

    @AfterAll
    static void reportWorst() {
        System.out.println(FixtureFiles.report());
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        try (Fixtures fixtures = Fixtures.load(GROUP)) {
            for (JsonNode c : fixtures.manifest().get("cases")) {
                cases.add(Arguments.of(Named.of(c.get("name").asText(), c)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void callMatchesDiffusers(JsonNode testCase) {
        JsonNode call = testCase.get("call");
        JsonNode tensors = testCase.get("tensors");
        double tolerance = testCase.get("tolerance_linf").asDouble();
        try (Fixtures fixtures = Fixtures.load(GROUP);
             NDManager manager = NDManager.newBaseManager("PyTorch");
             StableDiffusionPipeline pipeline = StableDiffusionPipeline.fromPretrained(
                     FixtureFiles.path("sd-tiny/" + testCase.get("model").asText()))) {
            String schedulerName = call.get("scheduler").asText().replaceAll("\\.from_config.*", "");
            pipeline.setScheduler(Schedulers.create(schedulerName, pipeline.scheduler().config()));
            StableDiffusionOptions options = options(call).manager(manager);
            List<String> prompts = options.prompts();
            int images = prompts.size() * options.numImagesPerPrompt();

            // prompt embeddings (negative first with guidance)
            NDArray embeds = pipeline.encodePrompt(prompts, options.numImagesPerPrompt(),
                    options.doClassifierFreeGuidance(), options.negativePrompts(), manager);
            check("prompt_embeds", embeds, fixtures.tensor(tensors.get("prompt_embeds").asText()), tolerance);
            // initial latents, drawn as prepare_latents draws them
            long[] latentShape = fixtures.tensor(tensors.get("init_latents").asText()).getShape().getShape();
            NDArray init = seeds(call).size() == 1 && !call.get("generator").asText().startsWith("[")
                    ? RandomTensors.randnTensor(new ai.djl.ndarray.types.Shape(latentShape),
                    Generator.seeded(seeds(call).get(0)), DataType.FLOAT32, manager)
                    : RandomTensors.randnTensor(new ai.djl.ndarray.types.Shape(latentShape), generators(call),
                    DataType.FLOAT32, manager);
            assertThat(FixtureFiles.linf(init, fixtures.tensor(tensors.get("init_latents").asText())))
                    .as("initial latents").isZero();

            // the call, with every step's latents
            NDList trajectory = new NDList();
            List<Double> timesteps = new ArrayList<>();
            try (ImagePipelineOutput output = pipeline.call(options.outputType(OutputType.NP)
                    .callback((i, t, latents) -> {
                        timesteps.add(t);
                        trajectory.add(copyTo(latents, manager));
                    }))) {
                assertThat(timesteps.stream().mapToDouble(Double::doubleValue).toArray()).containsExactly(
                        fixtures.tensor(tensors.get("timesteps").asText()).toType(DataType.FLOAT64, false)
                                .toDoubleArray());
                check("trajectory", NDArrays.stack(trajectory),
                        fixtures.tensor(tensors.get("trajectory").asText()), tolerance);
                check("latents", output.latents(), fixtures.tensor(tensors.get("latents").asText()), tolerance);
                FixtureFiles.record(String.format("sd-tiny pipeline case %s (tolerance %.0e) latents",
                        testCase.get("name").asText(), tolerance), FixtureFiles.linf(output.latents(),
                        fixtures.tensor(tensors.get("latents").asText())));
                check("images", output.images(), fixtures.tensor(tensors.get("images").asText()), tolerance);
                assertThat(output.images().getShape().get(0)).isEqualTo(images);
            }
            // output_type "latent": the same final latents, not decoded
            if (call.get("output_type").toString().contains("latent")) {
                try (ImagePipelineOutput latent = pipeline.call(options(call).manager(manager)
                        .outputType(OutputType.LATENT))) {
                    check("latents", latent.images(), fixtures.tensor(tensors.get("latents").asText()), tolerance);
                }
            }
        }
    }

    /** A copy of the pipeline's latents that outlives the call. */
    static NDArray copyTo(NDArray latents, NDManager manager) {
        NDArray copy = latents.duplicate();
        copy.attach(manager);
        return copy;
    }

    private static void check(String what, NDArray actual, NDArray expected, double tolerance) {
        double linf = FixtureFiles.record("sd-tiny pipeline " + what, FixtureFiles.linf(actual, expected));
        assertThat(linf).as("L-infinity of %s", what).isLessThanOrEqualTo(tolerance);
    }

    /** The case's call as options; generators are fresh, seeded as the case says. */
    static StableDiffusionOptions options(JsonNode call) {
        JsonNode prompt = call.get("prompt");
        List<String> prompts = new ArrayList<>();
        if (prompt.isArray()) {
            prompt.forEach(p -> prompts.add(p.asText()));
        } else {
            prompts.add(prompt.asText());
        }
        StableDiffusionOptions options = StableDiffusionPipeline.options().prompts(prompts)
                .guidanceScale(call.get("guidance_scale").asDouble())
                .numImagesPerPrompt(call.get("num_images_per_prompt").asInt())
                .numInferenceSteps(call.get("num_inference_steps").asInt())
                .eta(call.get("eta").asDouble())
                .height(call.get("height").asInt()).width(call.get("width").asInt());
        if (call.has("negative_prompt")) {
            options = options.negativePrompt(call.get("negative_prompt").asText());
        }
        return call.get("generator").asText().startsWith("[")
                ? options.generators(generators(call))
                : options.generator(Generator.seeded(seeds(call).get(0)));
    }

    private static List<Generator> generators(JsonNode call) {
        return seeds(call).stream().map(Generator::seeded).toList();
    }

    private static List<Long> seeds(JsonNode call) {
        String generator = call.get("generator").asText();
        Matcher list = SEEDS.matcher(generator);
        if (list.find()) {
            return Arrays.stream(list.group(1).split(",")).map(String::trim).map(Long::parseLong).toList();
        }
        Matcher one = SEED.matcher(generator);
        assertThat(one.find()).as("generator %s", generator).isTrue();
        return List.of(Long.parseLong(one.group(1)));
    }
}
