package dev.reprodiff.pipelines;

import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.schedulers.Scheduler;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;

/**
 * Creates the scheduler a config's {@code _class_name} names, as diffusers looks the class up by name: the class
 * {@code dev.reprodiff.schedulers.<name>} and its static {@code fromConfig(ConfigFile)}.
 */
public final class Schedulers {

    /** The diffusers scheduler names reprodiff may implement, for the error message. */
    private static final List<String> KNOWN = List.of("DDPMScheduler", "DDIMScheduler", "PNDMScheduler",
            "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler");

    private Schedulers() {
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
        Method factory = factory(name);
        if (factory == null) {
            throw ConfigException.unsupported(config.source(), "_class_name", name,
                    KNOWN.stream().filter(known -> factory(known) != null).toList());
        }
        try {
            return (Scheduler) factory.invoke(null, name.equals(config.className()) ? config
                    : config.with(Map.of("_class_name", name)));
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(name + ".fromConfig failed", e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Method factory(String name) {
        if (!name.matches("[A-Za-z0-9]+")) {
            return null;
        }
        try {
            Class<?> type = Class.forName(Scheduler.class.getPackageName() + "." + name);
            Method method = type.getMethod("fromConfig", ConfigFile.class);
            boolean usable = Scheduler.class.isAssignableFrom(type) && Modifier.isStatic(method.getModifiers())
                    && Scheduler.class.isAssignableFrom(method.getReturnType());
            return usable ? method : null;
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return null;
        }
    }
}
