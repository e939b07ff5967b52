package dev.reprodiff.training;

import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.junit.Deterministic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Training a tiny UNet a few steps: seeded, bit-identical on one platform, and resumable without a trace. */
class TrainerTests {

    static final String WEIGHTS = "unet/diffusion_pytorch_model.safetensors";

    /** A 2-block UNet at 8x8 (attention at 4x4): a few hundred parameters, milliseconds per step. */
    static TrainingOptions tiny(Path out, long steps, long seed) {
        return new TrainingOptions(out, steps, 4, seed, 1e-3, 2, 2, false, 1.0, 0.01,
                TrainingOptions.unet(8, 1, List.of(4, 8), 1, List.of("DownBlock2D", "AttnDownBlock2D"),
                        List.of("AttnUpBlock2D", "UpBlock2D"), 4, 8));
    }

    /** 16 images of 6x6 pixels (padded to 8x8): bright squares of different sizes on black. */
    static TrainingImages squares() {
        byte[] pixels = new byte[16 * 36];
        for (int i = 0; i < 16; i++) {
            int side = 1 + i % 6;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    pixels[i * 36 + y * 6 + x] = (byte) (255 - 8 * i);
                }
            }
        }
        return new TrainingImages(pixels, 16, 6, 6);
    }

    static final Trainer.Listener SILENT = (step, steps, loss, lr, norm) -> {
    };

    @Test
    @Deterministic
    void theSameSeedTrainsTheSameWeightsBitForBit(@TempDir Path dir) throws IOException {
        Trainer.Result first = Trainer.train(squares(), tiny(dir.resolve("a"), 3, 7), SILENT);
        Trainer.Result second = Trainer.train(squares(), tiny(dir.resolve("b"), 3, 7), SILENT);
        Trainer.Result otherSeed = Trainer.train(squares(), tiny(dir.resolve("c"), 3, 8), SILENT);

        assertThat(first.lastLoss()).isFinite().isEqualTo(second.lastLoss());
        assertThat(Files.mismatch(dir.resolve("a").resolve(WEIGHTS), dir.resolve("b").resolve(WEIGHTS)))
                .isEqualTo(-1L);
        assertThat(Files.readString(dir.resolve("a/loss.csv"))).isEqualTo(Files.readString(dir.resolve("b/loss.csv")))
                .hasLineCount(4);
        assertThat(Files.mismatch(dir.resolve("a").resolve(WEIGHTS), dir.resolve("c").resolve(WEIGHTS)))
                .isNotEqualTo(-1L);
    }

    @Test
    @Deterministic
    void aResumedRunEqualsAnUninterruptedOneBitForBit(@TempDir Path dir) throws IOException {
        Trainer.train(squares(), tiny(dir.resolve("straight"), 4, 3), SILENT);

        Path interrupted = dir.resolve("interrupted");
        List<Long> steps = new ArrayList<>();
        Trainer.Listener crashAfterFirstCheckpoint = new Trainer.Listener() {
            @Override
            public void onStep(long step, long total, float loss, double lr, double norm) {
                steps.add(step);
            }

            @Override
            public void onMessage(String message) {
                if (message.startsWith("Checkpoint")) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        };
        assertThatThrownBy(() -> Trainer.train(squares(), tiny(interrupted, 4, 3), crashAfterFirstCheckpoint))
                .hasMessage("simulated crash");
        assertThat(steps).containsExactly(1L, 2L);
        assertThat(Trainer.latestCheckpoint(interrupted.resolve("checkpoints")).getFileName())
                .hasToString("checkpoint-00000002.safetensors");
        assertThat(interrupted.resolve(WEIGHTS)).doesNotExist();

        Trainer.Result resumed = Trainer.train(squares(), tiny(interrupted, 4, 3).withSteps(4, true), SILENT);

        assertThat(resumed.resumedFrom()).isEqualTo(2);
        assertThat(Files.mismatch(dir.resolve("straight").resolve(WEIGHTS), interrupted.resolve(WEIGHTS)))
                .isEqualTo(-1L);
        assertThat(Files.readString(interrupted.resolve("loss.csv")))
                .isEqualTo(Files.readString(dir.resolve("straight/loss.csv")));
        // the optimizer's moments and the generator's state went through the checkpoint as well
        assertThat(Files.mismatch(dir.resolve("straight/checkpoints/checkpoint-00000004.safetensors"),
                interrupted.resolve("checkpoints/checkpoint-00000004.safetensors"))).isEqualTo(-1L);
    }

    @Test
    void aSecondRunIntoTheSameFolderNeedsResume(@TempDir Path dir) throws IOException {
        Trainer.train(squares(), tiny(dir, 2, 1), SILENT);

        assertThatThrownBy(() -> Trainer.train(squares(), tiny(dir, 2, 1), SILENT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The output folder " + dir + " already holds checkpoints (latest"
                        + " checkpoint-00000002.safetensors): pass --resume to continue that run, or choose another"
                        + " --out");
    }

    @Test
    void resumingWithOtherOptionsIsAnErrorNamingThem(@TempDir Path dir) throws IOException {
        Trainer.train(squares(), tiny(dir, 2, 1), SILENT);

        assertThatThrownBy(() -> Trainer.train(squares(), tiny(dir, 2, 5).withSteps(2, true), SILENT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot resume from " + dir.resolve("checkpoints/checkpoint-00000002.safetensors")
                        + ": the run's options differ (seed: the checkpoint has 1, the options 5). Resume with the"
                        + " options the run started with.");
    }

    @Test
    void theModelFolderHoldsDiffusersNamesOnly(@TempDir Path dir) throws IOException {
        Trainer.train(squares(), tiny(dir, 1, 1), SILENT);

        assertThat(SafeTensors.readHeader(dir.resolve(WEIGHTS)).names()).first().isEqualTo("conv_in.weight");
        assertThat(SafeTensors.readHeader(dir.resolve(WEIGHTS)).names()).noneMatch(n -> n.contains("/"));
        assertThat(dir.resolve("model_index.json")).content().contains("\"_class_name\" : \"DDIMPipeline\"");
    }

    @Test
    void anExportedCheckpointIsTheModelFolderOfARunThatEndedThere(@TempDir Path dir) throws IOException {
        Trainer.train(squares(), tiny(dir.resolve("run"), 4, 2), SILENT);

        Trainer.exportCheckpoint(dir.resolve("run/checkpoints/checkpoint-00000004.safetensors"), dir.resolve("last"));
        Trainer.exportCheckpoint(dir.resolve("run/checkpoints/checkpoint-00000002.safetensors"), dir.resolve("mid"));

        for (String file : new String[] {WEIGHTS, "unet/config.json", "model_index.json",
            "scheduler/scheduler_config.json"}) {
            assertThat(Files.mismatch(dir.resolve("last").resolve(file), dir.resolve("run").resolve(file)))
                    .as(file).isEqualTo(-1L);
        }
        assertThat(SafeTensors.readFloats(dir.resolve("mid").resolve(WEIGHTS), "conv_in.weight"))
                .containsExactly(SafeTensors.readFloats(dir.resolve("run/checkpoints/checkpoint-00000002"
                        + ".safetensors"), "unet/conv_in.weight"))
                .isNotEqualTo(SafeTensors.readFloats(dir.resolve("run").resolve(WEIGHTS), "conv_in.weight"));
    }
}
