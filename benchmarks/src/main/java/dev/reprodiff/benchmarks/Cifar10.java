package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDManager;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.models.UNet2DConfig;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Generator;
import dev.reprodiff.schedulers.DDPMScheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The real google/ddpm-cifar10-32 architecture (its config.json), with weights drawn from a seeded Generator. */
final class Cifar10 {

    /** One UNet forward at batch 1, counting a multiply and an add as two operations. */
    static final double GFLOP_PER_IMAGE = 12.1;

    private Cifar10() {
    }

    static UNet2DModel unet(NDManager manager) {
        return UNet2DModel.withRandomWeights(UNet2DConfig.of(config("ddpm-cifar10-32-unet-config.json")),
                Generator.seeded(0), manager);
    }

    static DDPMScheduler scheduler() {
        return DDPMScheduler.fromConfig(config("ddpm-cifar10-32-scheduler-config.json"));
    }

    private static ConfigFile config(String resource) {
        try (InputStream in = Cifar10.class.getResourceAsStream(resource)) {
            return ConfigFile.of(resource, new com.fasterxml.jackson.databind.ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
