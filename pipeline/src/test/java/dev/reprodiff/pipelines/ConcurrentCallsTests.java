package dev.reprodiff.pipelines;

import dev.reprodiff.random.Generator;
import dev.reprodiff.schedulers.DPMSolverMultistepScheduler;
import dev.reprodiff.schedulers.EulerAncestralDiscreteScheduler;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One loaded pipeline shared by 8 threads, each calling it with its own seed at the same time: every thread gets the
 * bits the same call gives when the calls run one after the other. Stateful schedulers (DPM-Solver's history, Euler's
 * step index, PNDM's warm-up) and stochastic steps are where a shared run would show.
 */
class ConcurrentCallsTests {

    private static final int THREADS = 8;

    /** Each thread with its own step count too, as parallel tests of one shared pipeline would. */
    @Test
    void eightThreadsOnOneDdimPipelineGiveTheSequentialBits() throws Exception {
        try (DDIMPipeline pipeline = DDIMPipeline.fromPretrained(FixtureFiles.path("unet2d/ddim-test-tiny/model"))) {
            ImagePipelineOptions options = DDIMPipeline.options().eta(1.0).batchSize(2).outputType(OutputType.NP);
            assertConcurrentEqualsSequential(seed -> () -> imagesOf(pipeline.call(options
                    .numInferenceSteps(2 + seed).generator(Generator.seeded(seed)))));
        }
    }

    @Test
    void eightThreadsWithAMultistepSchedulerGiveTheSequentialBits() throws Exception {
        try (DDPMPipeline pipeline = DDPMPipeline.fromPretrained(FixtureFiles.path("unet2d/ddpm-cifar-small/model"))) {
            pipeline.setScheduler(DPMSolverMultistepScheduler.fromConfig(pipeline.scheduler().config()
                    .with(Map.of("algorithm_type", "sde-dpmsolver++"))));
            ImagePipelineOptions options = DDPMPipeline.options().numInferenceSteps(5).outputType(OutputType.NP);
            assertConcurrentEqualsSequential(seed -> () -> imagesOf(pipeline.call(options
                    .generators(List.of(Generator.seeded(seed), Generator.seeded(seed + 100))).batchSize(2))));
        }
    }

    @Test
    void eightThreadsOnOneStableDiffusionPipelineGiveTheSequentialBits() throws Exception {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.fromPretrained(
                FixtureFiles.path("sd-tiny/model"))) {
            pipeline.setScheduler(EulerAncestralDiscreteScheduler.fromConfig(pipeline.scheduler().config()));
            StableDiffusionOptions options = StableDiffusionPipeline.options().prompt("a photo of a cat")
                    .numInferenceSteps(3).outputType(OutputType.NP);
            assertConcurrentEqualsSequential(seed -> () -> imagesOf(pipeline.call(options
                    .generator(Generator.seeded(seed)))));
        }
    }

    private static float[] imagesOf(ImagePipelineOutput output) {
        try (output) {
            return output.images().toFloatArray();
        }
    }

    /** Runs the call of each seed 0..7 alone, then all eight at once (released together), and compares. */
    private static void assertConcurrentEqualsSequential(IntFunction<Callable<float[]>> callForSeed)
            throws Exception {
        List<float[]> sequential = new ArrayList<>();
        for (int seed = 0; seed < THREADS; seed++) {
            sequential.add(callForSeed.apply(seed).call());
        }
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<float[]>> concurrent = new ArrayList<>();
            for (int seed = 0; seed < THREADS; seed++) {
                Callable<float[]> call = callForSeed.apply(seed);
                concurrent.add(threads.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            for (int seed = 0; seed < THREADS; seed++) {
                assertThat(concurrent.get(seed).get(2, TimeUnit.MINUTES)).as("seed %d", seed)
                        .containsExactly(sequential.get(seed));
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(sequential.get(0)).isNotEqualTo(sequential.get(1));
    }
}
