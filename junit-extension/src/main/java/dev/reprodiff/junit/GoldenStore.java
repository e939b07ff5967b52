package dev.reprodiff.junit;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.Platform;
import dev.reprodiff.golden.RecordAs;
import dev.reprodiff.io.FloatTensor;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.io.SafeTensorsHeader;
import dev.reprodiff.io.TensorInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** Reads, selects and records goldens and their manifests in one folder. */
final class GoldenStore {

    static final String DEFAULT_VARIANT = RecordAs.DEFAULT_VARIANT;

    /** A part of a golden name: {@code .} and {@code ..} and hidden names are refused separately. */
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.-]+");
    /** So that {@code <part>.json} fits a file name. */
    private static final int MAX_PART_BYTES = GoldenFiles.MAX_FILE_NAME_BYTES - ".json".length();
    /** The folders this JVM has already cleaned of temporary files left by killed recordings. */
    private static final Set<Path> CLEANED = ConcurrentHashMap.newKeySet();

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

    /** What a recording wrote. */
    record Written(Path file, GoldenResult.Change change, long bytes) {
    }

    static void checkName(String name) {
        if (name == null || !validName(name)) {
            throw new IllegalArgumentException("Invalid golden name \"" + name + "\": use letters, digits, '_', '-'"
                    + " and '.', with '/' between folders, such as \"ddim/tiny-2-steps\"; no part may be empty, \".\""
                    + " or \"..\", start with '.' or be longer than " + MAX_PART_BYTES + " characters");
        }
    }

    private static boolean validName(String name) {
        for (String part : name.split("/", -1)) {
            if (!PART.matcher(part).matches() || part.startsWith(".")
                    || part.getBytes(StandardCharsets.UTF_8).length > MAX_PART_BYTES) {
                return false;
            }
        }
        return true;
    }

    Path manifestFile(String name) {
        return dir.resolve(name + ".json");
    }

    /**
     * The best variant for {@code current}: the explicit one if asked for ({@link GoldenSettings#variant}), then this
     * device, then this device type, then the default.
     */
    Optional<Selected> select(String name, Platform current, String explicit) {
        Optional<GoldenManifest> manifest = readManifest(name);
        if (manifest.isEmpty()) {
            return Optional.empty();
        }
        Map<String, GoldenManifest.Variant> variants = manifest.get().variants;
        if (explicit != null && variants.containsKey(explicit)) {
            return Optional.of(new Selected(name, explicit, variants.get(explicit), "the variant "
                    + Goldens.VARIANT_PROPERTY + " names"));
        }
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

    /**
     * Reads the selected variant, refusing a file that is not what its manifest recorded: another dtype or shape,
     * other bytes (its CRC32C, or for older manifests its SHA-256), a missing file.
     */
    Loaded load(Selected selected) {
        GoldenManifest.Variant variant = selected.variant();
        Path file = checkedPath(selected);
        try {
            SafeTensorsHeader header = SafeTensors.readHeader(file);
            TensorInfo tensor = checkHeader(selected, file, header);
            ByteBuffer bytes = readChecked(selected, file);
            float[] data = new float[Math.toIntExact(tensor.byteLength() / Float.BYTES)];
            bytes.position(Math.toIntExact(header.dataStart() + tensor.begin()));
            bytes.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
            return new Loaded(file, variant.tensor(), tensor.shape().getShape(), data);
        } catch (NoSuchFileException e) {
            throw incomplete(selected, file, e);
        } catch (IOException e) {
            throw new GoldenException("Cannot read golden \"" + selected.name() + "\" from " + file + ": "
                    + e.getMessage(), e);
        }
    }

    private Path checkedPath(Selected selected) {
        Path file = file(selected);
        if (!file.startsWith(dir.normalize())) {
            throw new GoldenException("Golden manifest " + manifestFile(selected.name()) + " points outside "
                    + dir + ": " + selected.variant().file());
        }
        return file;
    }

    private GoldenException incomplete(Selected selected, Path file, NoSuchFileException e) {
        return new GoldenException("Golden \"" + selected.name() + "\" is incomplete: its manifest "
                + manifestFile(selected.name()) + " names " + file + ", which does not exist", e);
    }

    /** Refuses a file whose CRC32C (or, for older manifests, SHA-256) is not the manifest's. */
    private void checkDigest(Selected selected, Path file, String found) {
        GoldenManifest.Variant variant = selected.variant();
        boolean crc = variant.crc32c() != null;
        String recorded = crc ? variant.crc32c() : variant.sha256();
        if (!found.equals(recorded)) {
            throw new GoldenException("Golden \"" + selected.name() + "\" is corrupt: " + file + " has "
                    + (crc ? "CRC32C " : "SHA-256 ") + found + ", but its manifest " + manifestFile(selected.name())
                    + " recorded " + recorded + " (a truncated or edited file, or an interrupted recording)");
        }
    }

    private TensorInfo checkHeader(Selected selected, Path file, SafeTensorsHeader header) {
        GoldenManifest.Variant variant = selected.variant();
        TensorInfo tensor = header.tensor(variant.tensor()).orElseThrow(() -> new GoldenException(
                "Golden file " + file + " has no tensor \"" + variant.tensor() + "\"; it has " + header.names()));
        if (tensor.dtype() != DataType.FLOAT32) {
            throw new GoldenException("Golden file " + file + " holds " + variant.tensor() + " as "
                    + tensor.dtypeName() + ", but goldens are written as F32 (its manifest "
                    + manifestFile(selected.name()) + " recorded a " + variant.dtype() + " tensor): the file was"
                    + " saved again with another dtype; restore it, or record the golden again");
        }
        long[] shape = tensor.shape().getShape();
        if (!Arrays.equals(shape, variant.shape())) {
            throw new GoldenException("Golden file " + file + " holds " + variant.tensor() + " of shape "
                    + ActualTensor.format(shape) + ", but its manifest recorded "
                    + ActualTensor.format(variant.shape()));
        }
        return tensor;
    }

    /** The whole file, read once and checked against the manifest's CRC32C (or SHA-256) before anything uses it. */
    private ByteBuffer readChecked(Selected selected, Path file) throws IOException {
        ByteBuffer bytes;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            bytes = ByteBuffer.allocate(Math.toIntExact(channel.size()));
            while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
                // fill the buffer
            }
        }
        bytes.flip();
        if (selected.variant().crc32c() != null) {
            CRC32C crc = new CRC32C();
            crc.update(bytes.duplicate());
            checkDigest(selected, file, GoldenFiles.crc32c(crc));
        } else {
            MessageDigest sha = sha256Digest();
            sha.update(bytes.duplicate());
            checkDigest(selected, file, HexFormat.of().formatHex(sha.digest()));
        }
        return bytes;
    }

    /** Takes a golden's elements in order, a chunk at a time. */
    @FunctionalInterface
    interface FloatSink {
        void accept(float[] chunk, int count);
    }

    /** The chunk a golden file is read in: small enough to stay in the CPU's cache while it is checked and used. */
    private static final int CHUNK = 1 << 18;

    /** The selected variant's tensor file. */
    Path file(Selected selected) {
        return dir.resolve(selected.variant().file()).normalize();
    }

    /**
     * Reads the selected variant's file once, in chunks, passing its elements to {@code sink} while its CRC32C (or,
     * for older manifests, SHA-256) is computed; refuses it, as {@link #load} does, if its dtype, shape or bytes are
     * not what the manifest recorded. The sink's conclusions only stand once this returns.
     */
    void stream(Selected selected, FloatSink sink) {
        GoldenManifest.Variant variant = selected.variant();
        Path file = checkedPath(selected);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SafeTensorsHeader header = SafeTensors.readHeader(file);
            TensorInfo tensor = checkHeader(selected, file, header);
            long dataStart = header.dataStart() + tensor.begin();
            long dataEnd = dataStart + tensor.byteLength();
            if (dataStart % Float.BYTES != 0) {
                Loaded loaded = load(selected);   // not a file reprodiff wrote: no aligned chunks
                sink.accept(loaded.data(), loaded.data().length);
                return;
            }
            CRC32C crc = new CRC32C();
            MessageDigest sha = variant.crc32c() == null ? sha256Digest() : null;
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            float[] floats = new float[CHUNK / Float.BYTES];
            long position = 0;
            for (int read = fill(channel, buffer); read > 0; read = fill(channel, buffer)) {
                if (sha == null) {
                    crc.update(buffer.duplicate());
                } else {
                    sha.update(buffer.duplicate());
                }
                long from = Math.max(position, dataStart);
                long to = Math.min(position + read, dataEnd);
                if (from < to) {
                    int count = (int) ((to - from) / Float.BYTES);
                    buffer.duplicate().position((int) (from - position)).slice().order(ByteOrder.LITTLE_ENDIAN)
                            .asFloatBuffer().get(floats, 0, count);
                    sink.accept(floats, count);
                }
                position += read;
            }
            checkDigest(selected, file, sha == null ? GoldenFiles.crc32c(crc)
                    : HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchFileException e) {
            throw incomplete(selected, file, e);
        } catch (IOException e) {
            throw new GoldenException("Cannot read golden \"" + selected.name() + "\" from " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /** Reads into {@code buffer} until it is full or the file ends; flipped for reading; the bytes read. */
    private static int fill(FileChannel channel, ByteBuffer buffer) throws IOException {
        buffer.clear();
        while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
            // keep reading
        }
        buffer.flip();
        return buffer.remaining();
    }

    /**
     * Records variant {@code variantKey} of golden {@code name}, as one atomic step of the golden: under the folder's
     * recording lock (other threads and JVMs wait), the tensor goes to a new content-addressed file, the manifest is
     * rewritten atomically to reference it, and only then is the file it referenced before removed. A kill at any
     * moment leaves the old golden or the new one, and at worst an unreferenced tensor file that the next recording
     * of the golden removes.
     *
     * @throws GoldenException if another test recorded the same variant in the same run
     */
    Written record(String name, String variantKey, ActualTensor actual, GoldenManifest.Provenance provenance)
            throws IOException {
        Path manifestFile = manifestFile(name);
        Path folder = manifestFile.getParent();
        String part = name.substring(name.lastIndexOf('/') + 1);
        String tensorName = actual.trajectory() ? "trajectory" : "golden";
        try (GoldenFiles.DirectoryLock lock = GoldenFiles.lockDirectory(dir)) {
            GoldenManifest manifest = existingForRecording(name);
            GoldenManifest.Variant old = manifest.variants.get(variantKey);
            if (old != null && Objects.equals(old.run(), provenance.run())
                    && !Objects.equals(old.test(), provenance.test())) {
                throw new GoldenException(GoldenMessages.duplicate(name, variantKey, old.test(), provenance.test()));
            }
            Files.createDirectories(folder);
            Path temp = GoldenFiles.newTemporaryFile(folder);
            try {
                Map<String, String> metadata = new LinkedHashMap<>();
                metadata.put("format", "pt");
                metadata.put("reprodiff.golden", name);
                SafeTensors.saveFloats(temp, Map.of(tensorName, new FloatTensor(actual.shape(), actual.data())),
                        metadata);
                GoldenFiles.Digests digests = GoldenFiles.digests(temp);
                Path file = folder.resolve(GoldenFiles.tensorFileName(part, variantKey, digests.sha256()));
                String relative = dir.relativize(file).toString().replace('\\', '/');
                boolean existed = Files.exists(file);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                manifest.name = name;
                manifest.variants.put(variantKey, GoldenManifest.Variant.of(relative, tensorName, digests,
                        provenance));
                try {
                    GoldenFiles.writeAtomically(manifestFile, GoldenFiles.JSON.writeValueAsBytes(manifest));
                } catch (IOException e) {
                    if (!existed) {
                        Files.deleteIfExists(file);   // referenced by no manifest: the old golden stays whole
                    }
                    throw e;
                }
                removeUnreferenced(folder, part, manifest);
                GoldenResult.Change change = old == null ? GoldenResult.Change.NEW
                        : digests.sha256().equals(old.sha256()) ? GoldenResult.Change.UNCHANGED
                        : GoldenResult.Change.CHANGED;
                return new Written(file, change, digests.bytes());
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** The existing manifest to add a variant to; a corrupt one is replaced, since recording was asked for. */
    private GoldenManifest existingForRecording(String name) {
        try {
            return readManifest(name).orElseGet(GoldenManifest::new);
        } catch (GoldenException e) {
            return new GoldenManifest();
        }
    }

    /**
     * Removes this golden's tensor files that its manifest no longer references: the file a new recording replaced,
     * and files left by a recording killed before its manifest was written. A file that is another golden's (a
     * manifest of its name exists) is left alone.
     */
    private void removeUnreferenced(Path folder, String part, GoldenManifest manifest) throws IOException {
        Set<String> referenced = manifest.variants.values().stream().map(GoldenManifest.Variant::file)
                .collect(Collectors.toSet());
        Pattern own = Pattern.compile(Pattern.quote(part) + "(@[a-z0-9-]+)?(\\.[0-9a-f]{16})?\\.safetensors");
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                String fileName = file.getFileName().toString();
                String stem = fileName.substring(0, Math.max(0, fileName.length() - ".safetensors".length()));
                if (own.matcher(fileName).matches() && !referenced.contains(dir.relativize(file).toString()
                        .replace('\\', '/')) && !Files.exists(folder.resolve(stem + ".json"))) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * Once per JVM and folder: removes the temporary files that killed recordings left (their writing JVM is gone),
     * saying so, so that nothing hidden piles up in a folder that is committed.
     */
    void removeLeftovers() {
        if (!CLEANED.add(dir.toAbsolutePath().normalize())) {
            return;
        }
        try {
            List<Path> leftovers = GoldenFiles.leftoverTemporaryFiles(dir);
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
            }
            if (!leftovers.isEmpty()) {
                System.out.println(GoldenMessages.leftoversRemoved(dir, leftovers));
            }
        } catch (IOException e) {
            System.err.println("reprodiff: cannot look for temporary files left in " + dir + ": " + e);
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
