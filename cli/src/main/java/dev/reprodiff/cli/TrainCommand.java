package dev.reprodiff.cli;

import ai.djl.pytorch.jni.JniUtils;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.training.FashionMnist;
import dev.reprodiff.training.Trainer;
import dev.reprodiff.training.TrainingImages;
import dev.reprodiff.training.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code reprodiff train}: trains the Fashion-MNIST UNet of the default model, seeded and resumable. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains a UNet2DModel on Fashion-MNIST (DDPM: epsilon prediction, linear betas, 1000 training"
                + " timesteps) and writes a diffusers DDIMPipeline folder that diffusers and `reprodiff generate"
                + " --model` load.",
                "The same seed, options and platform give the same weights, bit for bit; a run interrupted and"
                        + " continued with --resume gives the weights of an uninterrupted one."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with Fashion-MNIST's IDX files (default: ${DEFAULT-VALUE}, from"
                    + " `apt-get install dataset-fashion-mnist`).")
    Path data = FashionMnist.DEFAULT_FOLDER;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output folder: the model folder, checkpoints/ and loss.csv.")
    Path out;

    @Option(names = "--steps", defaultValue = "3000", paramLabel = "N",
            description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "N", description = "Images per step (default:"
            + " ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--lr", defaultValue = "1.5e-3", paramLabel = "LR",
            description = "Peak learning rate of AdamW (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "100", paramLabel = "N",
            description = "Steps of linear warmup before the cosine decay (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--checkpoint-every", defaultValue = "200", paramLabel = "N",
            description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--resume", description = "Continue from the latest checkpoint in --out.")
    boolean resume;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (default: libtorch's).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        requireAtLeast("--steps", steps, 1);
        requireAtLeast("--batch", batch, 1);
        requireAtLeast("--warmup", warmup, 0);
        requireAtLeast("--checkpoint-every", checkpointEvery, 1);
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("--lr must be a positive number, but is " + lr);
        }
        if (threads != null) {
            requireAtLeast("--threads", threads, 1);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; it must be a folder (it is created"
                    + " if missing)");
        }
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " is not a folder. Fashion-MNIST's IDX files come"
                    + " with `apt-get install dataset-fashion-mnist` (in " + FashionMnist.DEFAULT_FOLDER + ")");
        }
        TrainingImages images = FashionMnist.trainingImages(data);
        PyTorchEngine.get();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        TrainingOptions options = new TrainingOptions(out, steps, batch, seed, lr, warmup, checkpointEvery, resume,
                1.0, 0.01, TrainingOptions.fashionMnistUnet());
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        stdout.printf(Locale.ROOT, "Training %s on %d images of %dx%d from %s: %d steps, batch %d, seed %d, lr %s,"
                        + " %d libtorch threads%n", "UNet2DModel " + TrainingOptions.fashionMnistUnet()
                        .get("block_out_channels"), images.count(), images.height(), images.width(), data, steps,
                batch, seed, lr, JniUtils.getNumThreads());
        stdout.flush();
        Progress progress = new Progress(err, System.console() != null, steps);
        Trainer.Result result = Trainer.train(images, options, new Trainer.Listener() {
            @Override
            public void onStep(long step, long total, float loss, double learningRate, double gradNorm) {
                progress.step(step, loss, learningRate);
            }

            @Override
            public void onMessage(String message) {
                progress.message(message);
            }
        });
        progress.done();
        stdout.printf(Locale.ROOT, "Trained %d steps (%d this run) in %.1f s; last loss %.5f%nModel folder: %s%n",
                result.steps(), result.steps() - result.resumedFrom(), progress.seconds(), result.lastLoss(),
                result.modelFolder());
        return 0;
    }

    private static void requireAtLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ", but is " + value);
        }
    }

    /**
     * Progress on stderr: a line rewritten in place on a terminal, otherwise a line every 10 steps (for logs); both
     * with steps/s and the time left.
     */
    private static final class Progress {
        private final PrintWriter err;
        private final boolean terminal;
        private final long total;
        private final long started = System.nanoTime();
        private long first = -1;

        Progress(PrintWriter err, boolean terminal, long total) {
            this.err = err;
            this.terminal = terminal;
            this.total = total;
        }

        double seconds() {
            return (System.nanoTime() - started) / 1e9;
        }

        void step(long step, float loss, double lr) {
            if (first < 0) {
                first = step - 1;
            }
            double rate = (step - first) / seconds();
            String line = String.format(Locale.ROOT, "step %d/%d loss %.5f lr %.2e %.2f steps/s (%.2f s/step) ETA %s",
                    step, total, loss, lr, rate, 1 / rate, eta((total - step) / rate));
            if (terminal) {
                err.print("\r" + line + "   ");
                err.flush();
            } else if (step % 10 == 0 || step == total) {
                err.println(line);
                err.flush();
            }
        }

        void message(String message) {
            err.println((terminal ? "\r" : "") + message + (terminal ? " ".repeat(20) : ""));
            err.flush();
        }

        void done() {
            if (terminal) {
                err.println();
                err.flush();
            }
        }

        static String eta(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                    : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
    }
}
