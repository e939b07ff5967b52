package dev.reprodiff.pipelines;

import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.schedulers.DDPMScheduler;
import dev.reprodiff.schedulers.DPMSolverMultistepScheduler;
import dev.reprodiff.schedulers.EulerAncestralDiscreteScheduler;
import dev.reprodiff.schedulers.EulerDiscreteScheduler;
import dev.reprodiff.schedulers.PNDMScheduler;
import dev.reprodiff.schedulers.Scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Creates the scheduler a config's {@code _class_name} names, as diffusers looks the class up by that name. */
public final class Schedulers {

    /** A scheduler's configuration file in a model folder's {@code scheduler/}. */
    public static final String CONFIG_NAME = "scheduler_config.json";

    private static final Map<String, Function<ConfigFile, Scheduler>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("DDPMScheduler", DDPMScheduler::fromConfig);
        BY_NAME.put("DDIMScheduler", DDIMScheduler::fromConfig);
        BY_NAME.put("PNDMScheduler", PNDMScheduler::fromConfig);
        BY_NAME.put("EulerDiscreteScheduler", EulerDiscreteScheduler::fromConfig);
        BY_NAME.put("EulerAncestralDiscreteScheduler", EulerAncestralDiscreteScheduler::fromConfig);
        BY_NAME.put("DPMSolverMultistepScheduler", DPMSolverMultistepScheduler::fromConfig);
    }

    private Schedulers() {
    }

    /** The scheduler classes reprodiff implements, by diffusers' names. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(BY_NAME.keySet());
    }

    /** The scheduler {@code config} names, built from it. */
    public static Scheduler fromConfig(ConfigFile config) {
        if (config.className() == null) {
            throw new ConfigException("Missing \"_class_name\" in " + config.source()
                    + ": cannot tell which scheduler it configures");
        }
        return create(config.className(), config);
    }

    /** The scheduler class {@code name} built from {@code config}, as diffusers' {@code Name.from_config(config)}. */
    public static Scheduler create(String name, ConfigFile config) {
        Function<ConfigFile, Scheduler> factory = BY_NAME.get(name);
        if (factory == null) {
            throw ConfigException.unsupported(config.source(), "_class_name", name, BY_NAME.keySet());
        }
        return factory.apply(name.equals(config.className()) ? config : config.with(Map.of("_class_name", name)));
    }
}
