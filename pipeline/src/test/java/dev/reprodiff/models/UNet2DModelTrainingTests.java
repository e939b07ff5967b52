package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.random.Generator;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The training forward: one timestep per sample, the inference values, and gradients that survive a GC. */
class UNet2DModelTrainingTests {

    private static final UNet2DConfig TINY =
            UNet2DConfig.read(FixtureFiles.path("unet2d/ddim-test-tiny/model/unet/config.json"));

    @Test
    void trainingForwardWithEqualTimestepsGivesTheInferenceForwardsBits() {
        try (NDManager manager = PyTorchEngine.newManager();
             UNet2DModel unet = UNet2DModel.withRandomWeights(TINY, Generator.seeded(3), manager)) {
            NDArray sample = Generator.seeded(4).randn(manager, new Shape(3, 3, 8, 8));

            NDArray inference = unet.forward(sample, 417);
            NDArray training = unet.trainingForward(sample, manager.create(new float[] {417, 417, 417}));

            assertThat(training.toFloatArray()).containsExactly(inference.toFloatArray());
        }
    }

    @Test
    void eachSampleGetsItsOwnTimestep() {
        try (NDManager manager = PyTorchEngine.newManager();
             UNet2DModel unet = UNet2DModel.withRandomWeights(TINY, Generator.seeded(3), manager)) {
            NDArray sample = Generator.seeded(4).randn(manager, new Shape(2, 3, 8, 8));

            NDArray training = unet.trainingForward(sample, manager.create(new int[] {10, 900}));
            // the same batch size on both sides: libtorch's kernels may block a batch of 1 differently
            NDArray first = unet.forward(sample, 10).get("0:1");
            NDArray second = unet.forward(sample, 900).get("1:2");

            assertThat(training.get("0:1").toFloatArray()).containsExactly(first.toFloatArray());
            assertThat(training.get("1:2").toFloatArray()).containsExactly(second.toFloatArray());
        }
    }

    @Test
    void oneTimestepPerSampleIsRequired() {
        try (NDManager manager = PyTorchEngine.newManager();
             UNet2DModel unet = UNet2DModel.withRandomWeights(TINY, Generator.seeded(3), manager)) {
            NDArray sample = manager.zeros(new Shape(2, 3, 8, 8));

            assertThatThrownBy(() -> unet.trainingForward(sample, manager.create(new float[] {1, 2, 3})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("UNet2DModel.trainingForward expects one timestep per sample, shape (2), but got (3)");
        }
    }

    /**
     * DJL's {@code mul(Number)} wraps the number over Java memory that a GC frees while autograd still holds it; the
     * training forward creates its scalars natively, so collecting garbage between forward and backward must not
     * change a single gradient bit. Every parameter gets a finite, non-zero gradient.
     */
    @Test
    void gradientsAreTheSameWhenGarbageIsCollectedBeforeTheBackwardPass() throws InterruptedException {
        try (NDManager manager = PyTorchEngine.newManager();
             UNet2DModel unet = UNet2DModel.withRandomWeights(TINY, Generator.seeded(3), manager)) {
            unet.stateDict().values().forEach(p -> p.setRequiresGradient(true));
            NDArray sample = Generator.seeded(4).randn(manager, new Shape(2, 3, 8, 8)).duplicate();
            NDArray timesteps = manager.create(new float[] {3, 700});

            Map<String, float[]> plain = gradients(unet, sample, timesteps, false);
            Map<String, float[]> collected = gradients(unet, sample, timesteps, true);

            assertThat(plain).hasSize(unet.stateDict().size());
            plain.forEach((name, gradient) -> {
                assertThat(collected.get(name)).as(name).containsExactly(gradient);
                double norm = 0;
                for (float g : gradient) {
                    assertThat(g).as(name).isFinite();
                    norm += (double) g * g;
                }
                assertThat(norm).as(name).isPositive();
            });
        }
    }

    private static Map<String, float[]> gradients(UNet2DModel unet, NDArray sample, NDArray timesteps,
                                                  boolean collectGarbage) throws InterruptedException {
        try (GradientCollector collector = PyTorchEngine.get().newGradientCollector()) {
            NDArray loss = unet.trainingForward(sample, timesteps).square().mean();
            if (collectGarbage) {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(20);
                }
            }
            collector.backward(loss);
        }
        Map<String, float[]> gradients = new LinkedHashMap<>();
        unet.stateDict().forEach((name, p) -> {
            try (NDArray gradient = p.getGradient()) {
                gradients.put(name, gradient.toFloatArray());
                gradient.subi(gradient);
            }
        });
        return gradients;
    }
}
