package dev.reprodiff.schedulers;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ConfigFile;

import java.util.List;

/** The schedulers' configuration values: enum spellings, unsupported values, and configs built from records. */
final class ConfigValues {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private ConfigValues() {
    }

    static String configValue(Enum<?> constant) {
        try {
            JsonProperty property = constant.getDeclaringClass().getField(constant.name())
                    .getAnnotation(JsonProperty.class);
            return property != null ? property.value() : constant.name();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails with the configuration's supported values when a scheduler cannot use a value its config type allows. */
    static void requireSupported(boolean supported, ConfigFile config, String key, Enum<?> value,
                                 List<? extends Enum<?>> values) {
        if (!supported) {
            throw ConfigException.unsupported(config.source(), key, configValue(value),
                    values.stream().map(ConfigValues::configValue).toList());
        }
    }

    /** A configuration file holding {@code values} (a config record), for schedulers built from a record. */
    static ConfigFile toConfigFile(String className, Record values) {
        ObjectNode node = MAPPER.valueToTree(values);
        node.put("_class_name", className);
        return ConfigFile.of(className + " configuration", node);
    }
}
