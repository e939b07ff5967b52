package dev.reprodiff.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One diffusers JSON configuration ({@code model_index.json}, {@code scheduler_config.json}, a model's
 * {@code config.json}) as read from disk, keeping every key.
 *
 * <p>Keys that start with {@code _} ({@code _class_name}, {@code _diffusers_version}) are metadata. The others are
 * values, bound to a typed record with {@link #bind(Class)}; keys the record does not know are kept, and
 * {@link #unknownKeys(Class)} reports them rather than dropping them silently. Record components are named in
 * camelCase and match the snake_case keys ({@code betaSchedule} reads {@code beta_schedule}).
 */
public final class ConfigFile {

    // diffusers writes Python's float("-inf") as -Infinity (DPMSolverMultistepScheduler's lambda_min_clipped).
    // An integer key given 4.9 is an error, not 4: Jackson would truncate it.
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);

    private final String source;
    private final ObjectNode root;

    private ConfigFile(String source, ObjectNode root) {
        this.source = source;
        this.root = root;
    }

    /** Reads a configuration file; a missing file or malformed JSON is a {@link ConfigException} naming the file. */
    public static ConfigFile read(Path file) {
        try {
            JsonNode node = MAPPER.readTree(Files.readString(file));
            if (node == null || !node.isObject()) {
                throw new ConfigException("Expected a JSON object in " + file + " but found "
                        + (node == null ? "an empty file" : node.getNodeType().toString().toLowerCase()));
            }
            return new ConfigFile(file.toString(), (ObjectNode) node);
        } catch (NoSuchFileException e) {
            throw new ConfigException("Configuration file not found: " + file
                    + ". A diffusers model folder has one per component (save_pretrained writes them).", e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("Malformed JSON in " + file + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("Cannot read configuration file " + file + ": " + e, e);
        }
    }

    /** A configuration held in memory (for example a scheduler's config passed to another scheduler). */
    public static ConfigFile of(String source, JsonNode values) {
        if (!values.isObject()) {
            throw new ConfigException("Expected a JSON object for " + source + " but found " + values.getNodeType());
        }
        return new ConfigFile(source, ((ObjectNode) values).deepCopy());
    }

    /** A configuration built from a map of values (keys in snake_case, as in the JSON files). */
    public static ConfigFile of(String source, Map<String, ?> values) {
        return new ConfigFile(source, MAPPER.valueToTree(values));
    }

    /** Where this configuration came from: a file path or a description. */
    public String source() {
        return source;
    }

    /** {@code _class_name}, the diffusers class this configuration belongs to, or {@code null}. */
    public String className() {
        JsonNode name = root.get("_class_name");
        return name == null || name.isNull() ? null : name.asText();
    }

    /** The metadata keys (those starting with {@code _}) and their values. */
    public Map<String, JsonNode> metadata() {
        return entries(true);
    }

    /** The configuration keys (all but metadata) and their values, in file order. */
    public Map<String, JsonNode> values() {
        return entries(false);
    }

    /** The raw value of {@code key}, or {@code null}. */
    public JsonNode get(String key) {
        return root.get(key);
    }

    /** Whether {@code key} is present (with any value, including null). */
    public boolean has(String key) {
        return root.has(key);
    }

    /** The whole configuration as a JSON tree (a copy). */
    public ObjectNode toJson() {
        return root.deepCopy();
    }

    /** This configuration with some keys replaced or added; the source notes the change. */
    public ConfigFile with(Map<String, ?> overrides) {
        ObjectNode copy = root.deepCopy();
        overrides.forEach((key, value) -> copy.set(key, MAPPER.valueToTree(value)));
        return new ConfigFile(source + " (with " + String.join(", ", overrides.keySet()) + ")", copy);
    }

    /**
     * Binds the values to a record whose components name the supported keys. Keys missing from the file take the
     * record's defaults (its compact constructor sees {@code null} for them). A value of the wrong type or outside
     * an enum's constants is a {@link ConfigException} naming the key, the value, this file and what is supported.
     */
    public <T extends Record> T bind(Class<T> type) {
        try {
            return MAPPER.treeToValue(values().isEmpty() ? MAPPER.createObjectNode() : valuesNode(), type);
        } catch (InvalidFormatException e) {
            String key = path(e);
            Class<?> target = e.getTargetType();
            if (target != null && target.isEnum()) {
                throw ConfigException.unsupported(source, key, e.getValue(), enumValues(target));
            }
            throw new ConfigException(ConfigException.invalidMessage(source, key, e.getValue(), describe(target)),
                    e);
        } catch (MismatchedInputException e) {
            throw new ConfigException("Invalid value for \"" + path(e) + "\" in " + source + ": expected "
                    + describe(e.getTargetType()) + " (" + e.getOriginalMessage() + ")", e);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ConfigException config) {
                throw config;
            }
            throw new ConfigException("Cannot read " + source + " as " + type.getSimpleName() + ": "
                    + cause.getMessage(), e);
        }
    }

    /** The value keys that {@code type} (a record bound with {@link #bind}) does not know, sorted. */
    public Set<String> unknownKeys(Class<? extends Record> type) {
        Set<String> known = knownKeys(type);
        Set<String> unknown = new TreeSet<>(values().keySet());
        unknown.removeAll(known);
        return Collections.unmodifiableSet(unknown);
    }

    /** The snake_case keys that the record type binds. */
    public static Set<String> knownKeys(Class<? extends Record> type) {
        Set<String> keys = new LinkedHashSet<>();
        PropertyNamingStrategies.NamingBase naming = namingOf(type);
        for (RecordComponent component : type.getRecordComponents()) {
            com.fasterxml.jackson.annotation.JsonProperty property =
                    component.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            keys.add(property != null && !property.value().isEmpty()
                    ? property.value() : naming.translate(component.getName()));
        }
        return keys;
    }

    /** The JSON spelling of each constant of an enum bound from a configuration. */
    public static List<String> enumValues(Class<?> enumType) {
        List<String> values = new ArrayList<>();
        for (Object constant : enumType.getEnumConstants()) {
            try {
                com.fasterxml.jackson.annotation.JsonProperty property = enumType
                        .getField(((Enum<?>) constant).name())
                        .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                values.add(property != null ? property.value() : ((Enum<?>) constant).name());
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException(e);
            }
        }
        return values;
    }

    @Override
    public String toString() {
        return source + " " + root;
    }

    private ObjectNode valuesNode() {
        ObjectNode values = MAPPER.createObjectNode();
        values().forEach(values::set);
        return values;
    }

    private Map<String, JsonNode> entries(boolean metadata) {
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().startsWith("_") == metadata) {
                entries.put(entry.getKey(), entry.getValue());
            }
        }
        return Collections.unmodifiableMap(entries);
    }

    private static PropertyNamingStrategies.NamingBase namingOf(Class<?> type) {
        JsonNaming naming = type.getAnnotation(JsonNaming.class);
        if (naming != null && naming.value() == PropertyNamingStrategies.LowerCamelCaseStrategy.class) {
            return (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.LOWER_CAMEL_CASE;
        }
        return (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
    }

    private static String path(MismatchedInputException e) {
        StringBuilder path = new StringBuilder();
        e.getPath().forEach(ref -> {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else {
                path.append('[').append(ref.getIndex()).append(']');
            }
        });
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type.isEnum()) {
            return "one of " + enumValues(type);
        }
        if (type.isArray() || List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return "a " + type.getSimpleName();
    }
}
