package dev.reprodiff.examples;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Seeded;
import dev.reprodiff.pipelines.DDIMPipeline;
import dev.reprodiff.pipelines.DefaultModel;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guide's rule for GPUs: noise comes from a CPU generator and is then moved to the device, so a seed starts
 * every device from the same noise. The device is {@code reprodiff.device} ({@code cpu} by default; the
 * {@code cuda} Maven profile sets {@code gpu}); on the CPU these tests check the same code path without moving.
 */
class DevicePlacementTest {

    static Device device() {
        return Device.fromName(System.getProperty("reprodiff.device", "cpu"));
    }

    @Test
    void noiseDrawnForADeviceIsTheCpuGeneratorsNoiseBitForBit() {
        Shape shape = new Shape(2, 3, 32, 32);
        float[] cpu = Generator.seeded(0).randn(new float[(int) shape.size()]);
        try (NDManager manager = NDManager.newBaseManager(device(), "PyTorch")) {
            NDArray noise = RandomTensors.randnTensor(shape, Generator.seeded(0), DataType.FLOAT32, manager);
            assertThat(noise.getDevice()).isEqualTo(device());
            assertThat(noise.toFloatArray()).containsExactly(cpu);
        }
    }

    @Test
    @Seeded(0)
    void pipelineOnTheDeviceMatchesTheCpuGoldenWithinTheProfilesTolerance(Generator generator, Golden golden) {
        try (DefaultModel.Folder folder = DefaultModel.extract();
             DDIMPipeline pipeline = DDIMPipeline.fromPretrained(folder.path(), device());
             ImagePipelineOutput out = pipeline.call(DDIMPipeline.options().numInferenceSteps(2)
                     .outputType(OutputType.NP).generator(generator))) {
            assertThat(pipeline.device()).isEqualTo(device());
            assertThat(out.latents().getDevice()).isEqualTo(device());
            // Its own golden (one golden, one recording test), recorded on the CPU: on a GPU, tolerances(-cuda).json's
            // cpuVsGpu rule applies.
            golden.verify("ddim/two-steps-seed-0-latents-on-device", out.latents());
        }
    }
}
