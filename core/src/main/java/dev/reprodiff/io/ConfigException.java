package dev.reprodiff.io;

import java.util.Collection;
import java.util.stream.Collectors;

/** A diffusers configuration that cannot be used: unreadable, malformed, or holding a value we do not support. */
public class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A value that reprodiff does not support, for example
     * {@code Unsupported value "cosine" for "beta_schedule" in scheduler/scheduler_config.json; supported values:
     * "linear", "scaled_linear", "squaredcos_cap_v2"}.
     */
    public static ConfigException unsupported(String source, String key, Object value, Collection<?> supported) {
        String values = supported.stream().map(ConfigException::quote).collect(Collectors.joining(", "));
        return new ConfigException("Unsupported value " + quote(value) + " for \"" + key + "\" in " + source
                + "; supported values: " + values);
    }

    /**
     * A value outside what the key allows, for example {@code Invalid value -5 for "num_train_timesteps" in
     * scheduler/scheduler_config.json: expected an integer of at least 1}.
     */
    public static ConfigException invalid(String source, String key, Object value, String expected) {
        return new ConfigException(invalidMessage(source, key, value, expected));
    }

    static String invalidMessage(String source, String key, Object value, String expected) {
        return "Invalid value " + quote(value) + " for \"" + key + "\" in " + source + ": expected " + expected;
    }

    static String quote(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }
}
