package dev.reprodiff.junit;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Optional;

/** Reads reprodiff's settings: a JUnit configuration parameter, else a JVM system property of the same name. */
final class Config {

    private Config() {
    }

    /** The value, stripped; blank counts as unset. */
    static Optional<String> get(ExtensionContext context, String key) {
        // The launcher falls back to system properties itself, but not every launcher does (the test kit does not).
        return context.getConfigurationParameter(key).or(() -> Optional.ofNullable(System.getProperty(key)))
                .map(String::strip).filter(s -> !s.isEmpty());
    }

    static boolean flag(ExtensionContext context, String key) {
        Optional<String> value = get(context, key);
        if (value.isPresent() && !value.get().equalsIgnoreCase("true") && !value.get().equalsIgnoreCase("false")) {
            throw new ExtensionConfigurationException("Invalid " + key + " \"" + value.get()
                    + "\": expected true or false");
        }
        return value.map(Boolean::parseBoolean).orElse(false);
    }
}
