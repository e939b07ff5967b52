package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.pipelines.DDPMPipeline;
import dev.reprodiff.pipelines.ImagePipelineOptions;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.random.Generator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs a long DDPM pipeline call on the real cifar10-32 architecture and prints the process's resident memory as it
 * goes: a run whose steps free what they allocate stays flat after the first steps.
 * Usage: {@code benchmarks/run-main LongRunMemory [steps]} (default 500).
 */
public final class LongRunMemory {

    public static void main(String[] args) throws IOException {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        try (NDManager manager = PyTorchEngine.newManager();
             UNet2DModel unet = Cifar10.unet(manager);
             DDPMPipeline pipeline = new DDPMPipeline(unet, Cifar10.scheduler())) {
            long[] rss = new long[steps + 1];
            long start = System.nanoTime();
            ImagePipelineOptions options = DDPMPipeline.options().batchSize(1).generator(Generator.seeded(0))
                    .numInferenceSteps(steps).outputType(OutputType.LATENT)
                    .callback((index, t, latents) -> rss[index + 1] = residentKiB());
            rss[0] = residentKiB();
            try (ImagePipelineOutput output = pipeline.call(options)) {
                double seconds = (System.nanoTime() - start) / 1e9;
                for (int i : new int[] {1, 10, steps / 4, steps / 2, 3 * steps / 4, steps}) {
                    System.out.printf(Locale.ROOT, "after step %4d: RSS %8.1f MiB%n", i, rss[i] / 1024.0);
                }
                System.out.printf(Locale.ROOT, "%d steps in %.1f s; RSS growth from step 10 to step %d: %+.1f MiB,"
                        + " over the second half (step %d to %d): %+.1f MiB%n", steps, seconds, steps,
                        (rss[steps] - rss[10]) / 1024.0, steps / 2, steps, (rss[steps] - rss[steps / 2]) / 1024.0);
                System.out.println("final latents sum: " + output.latents().sum().getFloat());
            }
        }
    }

    private static long residentKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
