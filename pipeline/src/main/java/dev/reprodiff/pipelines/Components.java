package dev.reprodiff.pipelines;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ModelIndex;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.schedulers.Scheduler;

import java.util.List;
import java.util.function.Function;

/** Reading a pipeline's components from its folder, as diffusers' {@code from_pretrained} does. */
final class Components {

    private Components() {
    }

    /** The PyTorch engine's default device: where {@code fromPretrained} without a device loads. */
    static Device defaultDevice() {
        return Engine.getEngine("PyTorch").defaultDevice();
    }

    /** Fails unless {@code model_index.json} lists component {@code name} with the class {@code className}. */
    static void require(ModelIndex index, String name, String className) {
        String found = index.component(name).className();
        if (!found.equals(className)) {
            throw ConfigException.unsupported(modelIndexFile(index), name, found, List.of(className));
        }
    }

    /**
     * The scheduler class {@code model_index.json} names, built from {@code scheduler/scheduler_config.json}: as
     * in diffusers, the index decides the class, whatever {@code _class_name} the config file says.
     */
    static Scheduler scheduler(ModelIndex index) {
        String name = index.component("scheduler").className();
        if (!Schedulers.names().contains(name)) {
            throw ConfigException.unsupported(modelIndexFile(index), "scheduler", name, Schedulers.names());
        }
        return Schedulers.create(name, index.componentConfig("scheduler", Schedulers.CONFIG_NAME));
    }

    /** How an unconditional pipeline class is built from its loaded components. */
    interface UnconditionalConstructor<P extends DiffusionPipeline> {
        P create(UNet2DModel unet, Scheduler scheduler, NDManager manager);
    }

    /** The {@code UNet2DModel} and the scheduler of {@code index}, as the pipeline {@code constructor} builds. */
    static <P extends DiffusionPipeline> P unconditional(ModelIndex index, Device device,
                                                         UnconditionalConstructor<P> constructor) {
        require(index, "unet", "UNet2DModel");
        Scheduler scheduler = scheduler(index);
        return onNewManager(device, manager -> constructor.create(
                UNet2DModel.fromPretrained(index.folder().resolve("unet"), manager), scheduler, manager));
    }

    /**
     * What {@code load} builds on a new manager on {@code device}; the manager is closed if loading fails, and
     * otherwise belongs to the pipeline.
     */
    static <P extends DiffusionPipeline> P onNewManager(Device device, Function<NDManager, P> load) {
        NDManager manager = PyTorchEngine.newManager(device);
        try {
            return load.apply(manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static String modelIndexFile(ModelIndex index) {
        return index.folder().resolve("model_index.json").toString();
    }
}
