package dev.reprodiff.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.pipelines.Images;
import dev.reprodiff.testing.FixtureFiles;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class GenerateCommandTests {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void theSameSeedGivesTheSameImagesBitForBit() throws IOException {
        Path first = dir.resolve("first.safetensors");
        Path second = dir.resolve("second.safetensors");
        assertThat(run("generate", "--scheduler", "ddim", "--steps", "2", "--seed", "0", "--out", first.toString()))
                .as(err.toString()).isZero();
        assertThat(run("generate", "--scheduler", "ddim", "--steps", "2", "--seed", "0", "--out", second.toString()))
                .as(err.toString()).isZero();

        assertThat(SafeTensors.readFloats(second, "images")).containsExactly(SafeTensors.readFloats(first, "images"));
        assertThat(SafeTensors.readFloats(second, "latents")).containsExactly(SafeTensors.readFloats(first, "latents"));
        assertThat(out.toString()).contains("model (embedded default): DDIMPipeline with DDIMScheduler")
                .contains("seed 0 (one generator for the batch of 1)").contains("2 steps in ");
    }

    @Test
    void aSeedListGivesImagesThatEachSeedReproducesAloneWithinFloatRounding() throws IOException {
        Path batch = dir.resolve("batch.safetensors");
        Path alone = dir.resolve("alone.safetensors");
        assertThat(run("generate", "--scheduler", "ddim", "--steps", "2", "--seed", "7,123", "--out",
                batch.toString())).as(err.toString()).isZero();
        assertThat(run("generate", "--scheduler", "ddim", "--steps", "2", "--seed", "123", "--out",
                alone.toString())).as(err.toString()).isZero();

        float[] images = SafeTensors.readFloats(batch, "images");
        float[] single = SafeTensors.readFloats(alone, "images");
        float[] second = java.util.Arrays.copyOfRange(images, single.length, 2 * single.length);
        float worst = 0;
        for (int i = 0; i < single.length; i++) {
            worst = Math.max(worst, Math.abs(second[i] - single[i]));
        }
        // The noise of image 1 is bit-identical (one generator per image); the batched UNet kernels round a little
        // differently from batch-1 kernels, as in PyTorch (measured: 1.8e-6).
        assertThat(worst).isLessThanOrEqualTo(1e-5f);
        assertThat(SafeTensors.readHeader(batch).metadata()).containsEntry("seeds", "7,123")
                .containsEntry("generators", "one per image");
    }

    @Test
    void matchesDiffusersOnTheReferenceModelWithItsTrajectory() throws Exception {
        Path file = dir.resolve("ddim.safetensors");
        assertThat(run("generate", "--model", fixtureModel("ddim-test-tiny").toString(), "--scheduler", "ddim",
                "--steps", "4", "--seed", "0,1,2", "--trajectory", "--out", file.toString()))
                .as(err.toString()).isZero();

        try (Fixtures fixtures = Fixtures.load("unet2d/ddim-test-tiny/cases");
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Map<String, NDArray> written = SafeTensors.load(file, manager);
            for (String name : new String[] {"images", "latents", "trajectory"}) {
                NDArray expected = fixtures.tensor("ddim.seeds0-1-2.b3.s4." + name);
                NDArray actual = written.get(name);
                assertThat(actual.getShape()).as(name).isEqualTo(expected.getShape());
                assertThat(actual.sub(expected).abs().max().getFloat()).as(name).isLessThanOrEqualTo(1e-4f);
            }
            assertThat(written.get("trajectory").getShape()).isEqualTo(new Shape(4, 3, 3, 8, 8));
        }
        assertThat(out.toString()).contains("sum(|images|) = 281.05");
    }

    @Test
    void stableDiffusionMatchesDiffusersFromTheCommandLine() throws Exception {
        Path file = dir.resolve("sd.safetensors");
        Path sdModel = Path.of(GenerateCommandTests.class.getResource("/fixtures/sd-tiny/model/model_index.json")
                .toURI()).getParent();
        assertThat(run("generate", "--model", sdModel.toString(), "--scheduler", "ddim", "--steps", "2",
                "--seed", "0", "--prompt", "A bear is playing a guitar on Times Square", "--guidance", "6.0",
                "--out", file.toString())).as(err.toString()).isZero();

        try (Fixtures fixtures = Fixtures.load("sd-tiny/cases/pipeline");
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Map<String, NDArray> written = SafeTensors.load(file, manager);
            NDArray expected = fixtures.tensor("a_ddim_2steps.images");
            assertThat(written.get("images").getShape()).isEqualTo(expected.getShape());
            assertThat(written.get("images").sub(expected).abs().max().getFloat()).isLessThanOrEqualTo(1e-4f);
        }
        assertThat(out.toString()).contains("StableDiffusionPipeline with DDIMScheduler").contains("sum(|images|) = 6432.5");
    }

    @Test
    void promptOptionsNeedAStableDiffusionModel() {
        assertThat(run("generate", "--prompt", "a cat", "--out", dir.resolve("x.safetensors").toString()))
                .isEqualTo(1);
        assertThat(err.toString()).isEqualTo(String.format("reprodiff generate: --prompt, --negative-prompt,"
                + " --guidance, --num-images-per-prompt, --height and --width need a Stable Diffusion model; this one"
                + " generates unconditionally%n"));
    }

    @Test
    void pngOutputIsTheImageGrid() throws IOException {
        Path png = dir.resolve("grid.png");
        assertThat(run("generate", "--scheduler", "ddim", "--steps", "1", "--seed", "0", "--batch", "4",
                "--out", png.toString())).as(err.toString()).isZero();
        BufferedImage grid = ImageIO.read(png.toFile());
        // 2 x 2 images of 32x32, each 4x larger, 4 gray pixels around and between them: 4 + 2 * (128 + 4)
        assertThat(grid.getWidth()).isEqualTo(268);
        assertThat(grid.getHeight()).isEqualTo(268);
        assertThat(grid.getRaster().getSample(0, 0, 0)).isEqualTo(128);
        assertThat(grid.getRaster().getNumBands()).isEqualTo(1);     // the default model is grayscale
        // each generated pixel is a 4x4 block
        assertThat(grid.getRaster().getSample(5, 6, 0)).isEqualTo(grid.getRaster().getSample(7, 7, 0));
        assertThat(Images.readPngText(png)).containsExactly(entry("Software", "reprodiff generate"),
                entry("model", "embedded default"), entry("scheduler", "DDIMScheduler"), entry("steps", "1"),
                entry("seeds", "0"), entry("generators", "one for the batch"),
                entry("grid", "2 x 2 images, each scaled 4x"));
        assertThat(GenerateCommand.gridRows(4)).isEqualTo(2);
        assertThat(GenerateCommand.gridRows(6)).isEqualTo(2);
        assertThat(GenerateCommand.gridRows(7)).isEqualTo(1);
    }

    @Test
    void everySchedulerRunsOnTheDefaultModel() {
        for (String scheduler : new String[] {"ddpm", "ddim", "pndm", "euler", "euler-ancestral", "dpmsolver++",
                "sde-dpmsolver++"}) {
            Path file = dir.resolve(scheduler + ".safetensors");
            assertThat(run("generate", "--scheduler", scheduler, "--steps", "3", "--seed", "1", "--out",
                    file.toString())).as(scheduler + ": " + err).isZero();
            assertThat(file).exists();
        }
    }

    @Test
    void badArgumentsAreClearErrorsAndWriteNothing() {
        Path file = dir.resolve("never.safetensors");
        assertThat(run("generate", "--seed", "1,2", "--batch", "3", "--out", file.toString())).isEqualTo(1);
        assertThat(run("generate", "--scheduler", "heun", "--out", file.toString())).isEqualTo(1);
        assertThat(run("generate", "--steps", "0", "--seed", "1", "--out", file.toString())).isEqualTo(1);
        assertThat(run("generate", "--trajectory", "--out", dir.resolve("x.png").toString())).isEqualTo(1);
        assertThat(run("generate", "--out", dir.resolve("x.jpg").toString())).isEqualTo(1);
        assertThat(run("generate", "--model", dir.toString(), "--out", file.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).containsExactly(
                "reprodiff generate: 2 seeds give one generator per image, so the batch is 2, but --batch is 3."
                        + " Drop --batch, or pass one seed for the whole batch.",
                "reprodiff generate: Unknown --scheduler heun; supported: ddpm, ddim, pndm, euler, euler-ancestral,"
                        + " dpmsolver++, sde-dpmsolver++",
                "reprodiff generate: numInferenceSteps must be at least 1, but got 0",
                "reprodiff generate: --trajectory needs a .safetensors --out; a .png holds images only",
                "reprodiff generate: --out must end in .safetensors or .png, but is " + dir.resolve("x.jpg"),
                "reprodiff generate: Not a diffusers model folder: " + dir + " has no model_index.json. Point to the"
                        + " folder that save_pretrained wrote (it holds model_index.json, unet/, scheduler/ ...).");
        assertThat(file).doesNotExist();
        assertThat(Files.exists(dir.resolve("x.png"))).isFalse();
    }

    @Test
    void stepsAndEtaAreCheckedBeforeTheModelLoads() {
        Path file = dir.resolve("never.safetensors");
        assertThat(run("generate", "--steps", "0", "--out", file.toString())).isEqualTo(1);
        assertThat(run("generate", "--eta", "NaN", "--out", file.toString())).isEqualTo(1);
        assertThat(run("generate", "--eta", "-5", "--out", file.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).containsExactly(
                "reprodiff generate: numInferenceSteps must be at least 1, but got 0",
                "reprodiff generate: eta must be a finite number of at least 0 (0: deterministic DDIM, 1: DDPM-like"
                        + " noise), but got NaN",
                "reprodiff generate: eta must be a finite number of at least 0 (0: deterministic DDIM, 1: DDPM-like"
                        + " noise), but got -5.0");
        assertThat(out.toString()).doesNotContain("model");
    }

    @Test
    void nanWeightsStopGenerateAtTheFirstStepInsteadOfWritingBlackImages() throws Exception {
        Path model = FixtureFiles.copy("unet2d/ddim-test-tiny/model", dir.resolve("model"));
        Path weights = model.resolve("unet/diffusion_pytorch_model.safetensors");
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(SafeTensors.load(weights, manager));
            tensors.put("conv_in.weight", tensors.get("conv_in.weight").mul(Float.NaN));
            SafeTensors.save(weights, tensors, Map.of("format", "pt"));
        }
        Path file = dir.resolve("nan.png");

        assertThat(run("generate", "--model", model.toString(), "--steps", "3", "--seed", "0", "--out",
                file.toString())).isEqualTo(1);

        assertThat(err.toString()).startsWith("reprodiff generate: DDIMPipeline: step 1 of 3 (timestep 666) produced"
                + " 192 non-finite values of 192, the first NaN at index (0, 0, 0, 0).");
        assertThat(file).doesNotExist();
    }

    @Test
    void aNegativeNormEpsIsAConfigErrorNotANanImage() throws Exception {
        Path model = FixtureFiles.copy("unet2d/ddim-test-tiny/model", dir.resolve("model"));
        Path config = model.resolve("unet/config.json");
        Files.writeString(config, Files.readString(config).replace("\"norm_eps\": 1e-05", "\"norm_eps\": -1.0"));

        assertThat(run("generate", "--model", model.toString(), "--steps", "3", "--seed", "0", "--out",
                dir.resolve("x.png").toString())).isEqualTo(1);

        assertThat(err.toString()).isEqualTo(String.format("reprodiff generate: Invalid value -1.0 for \"norm_eps\""
                + " in %s: expected a finite number of at least 0 (the epsilon added to the variance; diffusers'"
                + " default is 1e-05)%n", config));
    }

    private static Path fixtureModel(String name) throws URISyntaxException {
        return Path.of(GenerateCommandTests.class.getResource("/fixtures/unet2d/" + name + "/model/model_index.json")
                .toURI()).getParent();
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
