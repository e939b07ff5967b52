package dev.reprodiff.cli;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.pipelines.DDIMPipeline;
import dev.reprodiff.pipelines.DiffusionPipeline;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.pipelines.Pipelines;
import dev.reprodiff.random.Generator;
import dev.reprodiff.schedulers.DDIMScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TrainCommandTests {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** The first 32 Fashion-MNIST training images (the pipeline module's test resource), as --data takes them. */
    private static String data() throws URISyntaxException {
        return Path.of(TrainCommandTests.class.getResource("/dev/reprodiff/training/fashion-mnist-32").toURI()).toString();
    }

    @Test
    void aShortRunWritesAFolderThatLoadsAsADdimPipeline() throws Exception {
        Path model = dir.resolve("model");

        assertThat(run("train", "--data", data(), "--out", model.toString(), "--steps", "2", "--batch", "2",
                "--seed", "5", "--checkpoint-every", "1")).as(err.toString()).isZero();

        assertThat(out.toString()).startsWith("Training UNet2DModel [16, 32, 64] on 32 images of 28x28 from " + data()
                + ": 2 steps, batch 2, seed 5, lr 0.0015,").contains("Model folder: " + model);
        assertThat(err.toString()).contains("step 2/2 loss ").contains(" steps/s (").contains(" s/step) ETA 0m00s")
                .contains("Checkpoint " + model.resolve("checkpoints/checkpoint-00000001.safetensors"));
        assertThat(Files.readAllLines(model.resolve("loss.csv"))).hasSize(3).first()
                .isEqualTo("step,loss,learning_rate,grad_norm");
        try (DiffusionPipeline pipeline = Pipelines.fromPretrained(model);
             NDManager manager = PyTorchEngine.newManager()) {
            assertThat(pipeline).isInstanceOf(DDIMPipeline.class);
            assertThat(pipeline.scheduler()).isInstanceOf(DDIMScheduler.class);
            try (ImagePipelineOutput output = ((DDIMPipeline) pipeline).call(DDIMPipeline.options()
                    .numInferenceSteps(2).outputType(OutputType.NP).generator(Generator.seeded(0)).manager(manager))) {
                assertThat(output.images().getShape().getShape()).containsExactly(1, 32, 32, 1);
            }
        }
    }

    @Test
    void resumeContinuesTheRunFromItsLatestCheckpoint() throws Exception {
        Path model = dir.resolve("model");
        assertThat(run("train", "--data", data(), "--out", model.toString(), "--steps", "1", "--batch", "2"))
                .as(err.toString()).isZero();

        assertThat(run("train", "--data", data(), "--out", model.toString(), "--steps", "2", "--batch", "2",
                "--resume")).as(err.toString()).isZero();

        assertThat(err.toString()).contains("Resumed from " + model.resolve("checkpoints/checkpoint-00000001"
                + ".safetensors") + " at step 1");
        assertThat(out.toString()).contains("Trained 2 steps (1 this run)");
        assertThat(Files.readAllLines(model.resolve("loss.csv"))).hasSize(3);
    }

    @Test
    void argumentErrorsSayWhatIsWrong() throws Exception {
        String out = dir.resolve("m").toString();
        assertError("reprodiff train: --steps must be at least 1, but is 0", "--out", out, "--steps", "0");
        assertError("reprodiff train: --batch must be at least 1, but is -3", "--out", out, "--batch", "-3");
        assertError("reprodiff train: --checkpoint-every must be at least 1, but is 0", "--out", out,
                "--checkpoint-every", "0");
        assertError("reprodiff train: --lr must be a positive number, but is 0.0", "--out", out, "--lr", "0");
        assertError("reprodiff train: --threads must be at least 1, but is 0", "--out", out, "--threads", "0");
        Path missing = dir.resolve("no-such-folder");
        assertError("reprodiff train: --data " + missing + " is not a folder. Fashion-MNIST's IDX files come with"
                + " `apt-get install dataset-fashion-mnist` (in /usr/share/datasets/fashion-mnist)", "--out", out,
                "--data", missing.toString());
        assertError("reprodiff train: Fashion-MNIST file not found: " + dir.resolve("train-images-idx3-ubyte.gz")
                + " (expected the IDX files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ... in " + dir
                + "). Install them with `apt-get install dataset-fashion-mnist` (they go to"
                + " /usr/share/datasets/fashion-mnist), or point --data at a folder that holds them.", "--out", out,
                "--data", dir.toString());
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertError("reprodiff train: --out " + file + " is a file; it must be a folder (it is created if missing)",
                "--out", file.toString(), "--data", data());
    }

    @Test
    void outIsRequired() {
        assertThat(run("train", "--steps", "1")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Missing required option: '--out=DIR'");
    }

    private void assertError(String message, String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        String[] command = new String[args.length + 1];
        command[0] = "train";
        System.arraycopy(args, 0, command, 1, args.length);
        assertThat(run(command)).as(err.toString()).isEqualTo(1);
        assertThat(err.toString()).isEqualTo(message + System.lineSeparator());
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
