package dev.reprodiff.junit;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.Platform;
import dev.reprodiff.io.FloatTensor;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.io.SafeTensorsHeader;
import dev.reprodiff.io.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** Reads, selects and atomically writes goldens and their manifests in one folder. */
final class GoldenStore {

    static final String DEFAULT_VARIANT = "default";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");
    /** One lock per manifest, so that tests recording variants of one golden in parallel do not lose any. */
    private static final Map<Path, Object> MANIFEST_LOCKS = new ConcurrentHashMap<>();

    private final Path dir;

    GoldenStore(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** The variant chosen for this platform, and why. */
    record Selected(String name, String key, GoldenManifest.Variant variant, String choice) {
    }

    /** A golden's values, checked against its manifest. */
    record Loaded(Path file, String tensor, long[] shape, float[] data) {
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches() || Arrays.asList(name.split("/")).contains("..")) {
            throw new IllegalArgumentException("Invalid golden name \"" + name + "\": use letters, digits, '_', '-'"
                    + " and '.', with '/' between folders, such as \"ddim/tiny-2-steps\"");
        }
    }

    Path manifestFile(String name) {
        return dir.resolve(name + ".json");
    }

    Path tensorFile(String name, String variant) {
        return dir.resolve(DEFAULT_VARIANT.equals(variant) ? name + ".safetensors"
                : name + "@" + variant + ".safetensors");
    }

    /** The best variant for {@code current}: this device, then this device type, then the default. */
    Optional<Selected> select(String name, Platform current) {
        Optional<GoldenManifest> manifest = readManifest(name);
        if (manifest.isEmpty()) {
            return Optional.empty();
        }
        Map<String, GoldenManifest.Variant> variants = manifest.get().variants;
        String device = current.deviceKey();
        if (variants.containsKey(device)) {
            return Optional.of(new Selected(name, device, variants.get(device), "this device's golden"));
        }
        String none = "no golden for this device \"" + device + "\"";
        if (variants.containsKey(current.deviceType())) {
            return Optional.of(new Selected(name, current.deviceType(), variants.get(current.deviceType()),
                    "this device type's golden; " + none));
        }
        if (variants.containsKey(DEFAULT_VARIANT)) {
            return Optional.of(new Selected(name, DEFAULT_VARIANT, variants.get(DEFAULT_VARIANT),
                    "the default golden; " + none + " or device type \"" + current.deviceType() + "\""));
        }
        return Optional.empty();
    }

    Optional<GoldenManifest> readManifest(String name) {
        Path file = manifestFile(name);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            GoldenManifest manifest = GoldenFiles.JSON.readValue(file.toFile(), GoldenManifest.class);
            if (manifest == null || manifest.variants == null) {
                throw new GoldenException("Invalid golden manifest " + file + ": it has no \"variants\"");
            }
            return Optional.of(manifest);
        } catch (JsonProcessingException e) {
            throw new GoldenException("Corrupt golden manifest " + file + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new GoldenException("Cannot read golden manifest " + file + ": " + e, e);
        }
    }

    /** Reads the selected variant, refusing a file that is not what its manifest recorded. */
    Loaded load(Selected selected) {
        GoldenManifest.Variant variant = selected.variant();
        Path file = dir.resolve(variant.file()).normalize();
        if (!file.startsWith(dir.normalize())) {
            throw new GoldenException("Golden manifest " + manifestFile(selected.name()) + " points outside "
                    + dir + ": " + variant.file());
        }
        try {
            String sha256 = GoldenFiles.sha256(file);
            if (!sha256.equals(variant.sha256())) {
                throw new GoldenException("Golden \"" + selected.name() + "\" is corrupt: " + file + " has SHA-256 "
                        + sha256 + ", but its manifest " + manifestFile(selected.name()) + " recorded "
                        + variant.sha256() + " (a truncated or edited file, or an interrupted recording)");
            }
            SafeTensorsHeader header = SafeTensors.readHeader(file);
            TensorInfo tensor = header.tensor(variant.tensor()).orElseThrow(() -> new GoldenException(
                    "Golden file " + file + " has no tensor \"" + variant.tensor() + "\"; it has " + header.names()));
            long[] shape = tensor.shape().getShape();
            if (!Arrays.equals(shape, variant.shape())) {
                throw new GoldenException("Golden file " + file + " holds " + variant.tensor() + " of shape "
                        + ActualTensor.format(shape) + ", but its manifest recorded "
                        + ActualTensor.format(variant.shape()));
            }
            return new Loaded(file, variant.tensor(), shape, SafeTensors.readFloats(file, variant.tensor()));
        } catch (NoSuchFileException e) {
            throw new GoldenException("Golden \"" + selected.name() + "\" is incomplete: its manifest "
                    + manifestFile(selected.name()) + " names " + file + ", which does not exist", e);
        } catch (IOException e) {
            throw new GoldenException("Cannot read golden \"" + selected.name() + "\" from " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /** Writes the tensor file, then the manifest, each atomically; returns the tensor file. */
    Path record(String name, String variantKey, ActualTensor actual, GoldenManifest.Variant provenance)
            throws IOException {
        Path file = tensorFile(name, variantKey);
        Files.createDirectories(file.getParent());
        String tensorName = actual.trajectory() ? "trajectory" : "golden";
        Map<String, FloatTensor> tensors = Map.of(tensorName, new FloatTensor(actual.shape(), actual.data()));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("reprodiff.golden", name);
        SafeTensors.saveFloats(file, tensors, metadata);
        GoldenManifest.Variant variant = new GoldenManifest.Variant(dir.relativize(file).toString(), tensorName,
                provenance.dtype(), actual.shape(), actual.trajectory(), GoldenFiles.sha256(file), provenance.test(),
                provenance.seeds(), provenance.seedSource(), provenance.settings(), provenance.deterministic(),
                provenance.recordedAt(), provenance.platform());
        Path manifestFile = manifestFile(name);
        synchronized (MANIFEST_LOCKS.computeIfAbsent(manifestFile.toAbsolutePath().normalize(), k -> new Object())) {
            GoldenManifest manifest = existingForRecording(name);
            manifest.name = name;
            manifest.variants.put(variantKey, variant);
            GoldenFiles.writeAtomically(manifestFile, GoldenFiles.JSON.writeValueAsBytes(manifest));
        }
        return file;
    }

    /** The existing manifest to add a variant to; a corrupt one is replaced, since recording was asked for. */
    private GoldenManifest existingForRecording(String name) {
        try {
            return readManifest(name).orElseGet(GoldenManifest::new);
        } catch (GoldenException e) {
            return new GoldenManifest();
        }
    }

    /** Every golden tensor file in the folder, relative to it. */
    List<Path> allTensorFiles() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).map(dir::relativize)
                    .sorted().toList();
        }
    }
}
