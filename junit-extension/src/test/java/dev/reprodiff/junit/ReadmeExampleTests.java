package dev.reprodiff.junit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.reprodiff.junit.ReproAssertions.assertThatTensor;
import static dev.reprodiff.junit.ReproAssertions.assertThatTrajectory;
import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static org.assertj.core.api.Assertions.assertThat;

/** The README's complete example, recorded and then verified. */
class ReadmeExampleTests {

    @TempDir
    Path goldens;

    @Seeded(0)
    static class DdimPipelineTestCase {

        @Test
        void noiseIsTorchExact(Generator generator) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray noise = generator.randn(manager, new Shape(1, 3, 32, 32));
                assertThatTensor(noise).as("initial noise").matchesGolden("ddim/noise");
            }
        }

        @Test
        @Seeded({0, 1, 2, 3})
        void batchOfFour(List<Generator> generators, Golden golden) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray latents = RandomTensors.randnTensor(new Shape(4, 3, 32, 32), generators, DataType.FLOAT32,
                        manager);
                golden.setting("num_inference_steps", 2);
                golden.verify("ddim/batch", latents);
            }
        }

        @Test
        @Deterministic(repeat = 2)
        void twoStepsAreReproducible(Generator generator) {
            try (NDManager manager = NDManager.newBaseManager()) {
                List<NDArray> steps = new ArrayList<>();
                NDArray sample = generator.randn(manager, new Shape(1, 3, 32, 32));
                for (int t = 0; t < 2; t++) {
                    sample = sample.mul(0.5f);
                    steps.add(sample);
                }
                assertThatTrajectory(steps).matchesGolden("ddim/two-steps");
            }
        }

        @Test
        @Seeded
        void anySeedGivesFiniteNoise(Generator generator, @Seeded long seed) {
            assertThat(generator.initialSeed()).isEqualTo(seed);
        }
    }

    @Test
    void recordThenVerify() {
        String[] config = {"reprodiff.golden.dir", goldens.toString(), "reprodiff.ci", "false",
                "reprodiff.artifacts.dir", goldens.resolve("artifacts").toString()};
        String[] recording = {"reprodiff.golden.dir", goldens.toString(), "reprodiff.ci", "false",
                "reprodiff.artifacts.dir", goldens.resolve("artifacts").toString(), "reprodiff.golden.mode", "record"};
        assertAllSucceeded(execute(DdimPipelineTestCase.class, recording), 4);
        assertAllSucceeded(execute(DdimPipelineTestCase.class, config), 4);
        assertThat(goldens.resolve("ddim/two-steps.json")).exists();
        assertThat(new GoldenStore(goldens).readManifest("ddim/two-steps").orElseThrow().variants.get("default")
                .file()).matches("ddim/two-steps\\.[0-9a-f]{16}\\.safetensors");
    }
}
