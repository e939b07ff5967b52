package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.pipelines.Schedulers;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.schedulers.StepOptions;

/** The CLI's embedded default model (a small UNet2DModel) with a DDIM scheduler of 50 steps, as benchmarks use it. */
final class DefaultModel implements AutoCloseable {

    private final dev.reprodiff.pipelines.DefaultModel.Folder folder;
    final UNet2DModel unet;
    final DDIMScheduler scheduler;
    /** The timestep a benchmarked step runs at: the 26th of DDIM's 50. */
    final double timestep;

    DefaultModel(NDManager manager) {
        folder = dev.reprodiff.pipelines.DefaultModel.extract();
        unet = UNet2DModel.fromPretrained(folder.path().resolve("unet"), manager);
        ConfigFile config = ConfigFile.read(folder.path().resolve("scheduler").resolve(Schedulers.CONFIG_NAME));
        scheduler = DDIMScheduler.fromConfig(config);
        scheduler.setTimesteps(50);
        timestep = scheduler.timesteps()[25];
    }

    /** A batch of samples as the model takes them: (batch, in_channels, sample height, sample width). */
    Shape sampleShape(int batch) {
        return new Shape(batch, unet.config().inChannels(), unet.config().sampleHeight(),
                unet.config().sampleWidth());
    }

    /** One DDIM step: the UNet's noise prediction, then the scheduler's update; returns the next sample. */
    NDArray step(NDArray sample) {
        NDArray noise = unet.forward(sample, timestep);
        return scheduler.step(noise, timestep, sample, StepOptions.defaults()).prevSample();
    }

    /** {@link #step} in its own scope, returning a value of the result so that nothing is left to the caller. */
    @SuppressWarnings("try")
    float scopedStep(NDArray sample) {
        try (NDScope scope = new NDScope()) {
            return step(sample).getFloat(0, 0, 0, 0);
        }
    }

    @Override
    public void close() {
        unet.close();
        folder.close();
    }
}
