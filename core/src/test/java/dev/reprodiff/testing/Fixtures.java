package dev.reprodiff.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/** Reads a reference-fixture group (manifest.json + tensors.safetensors) copied into the test resources. */
public final class Fixtures implements AutoCloseable {

    private final JsonNode manifest;
    private final NDManager manager;
    private final NDList tensors;

    private Fixtures(String group) {
        String base = "/fixtures/" + group + "/";
        try (InputStream json = open(base + "manifest.json");
             InputStream bytes = open(base + "tensors.safetensors")) {
            // Python's json writes -Infinity (DPM-Solver's lambda_min_clipped), which strict JSON lacks.
            manifest = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build().readTree(json);
            manager = NDManager.newBaseManager("PyTorch");
            tensors = NDList.decode(manager, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read fixture group " + group, e);
        }
    }

    public static Fixtures load(String group) {
        return new Fixtures(group);
    }

    public JsonNode manifest() {
        return manifest;
    }

    public NDArray tensor(String name) {
        return Objects.requireNonNull(tensors.get(name), () -> "fixture has no tensor " + name);
    }

    public NDManager manager() {
        return manager;
    }

    private static InputStream open(String resource) {
        return Objects.requireNonNull(Fixtures.class.getResourceAsStream(resource),
                () -> "missing test resource " + resource);
    }

    @Override
    public void close() {
        manager.close();
    }
}
