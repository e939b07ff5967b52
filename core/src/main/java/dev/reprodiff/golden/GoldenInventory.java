package dev.reprodiff.golden;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a golden folder holds, read without trusting it: every manifest's variants, the manifests and tolerance
 * profiles that cannot be read (named, with the reason), tensor files no manifest references, and temporary files
 * left by a killed recording.
 *
 * @param variants golden name to variant key to tensor file (relative to the folder)
 * @param orphans tensor files that no manifest references (relative), such as a recording killed before its manifest
 *        was written
 */
public record GoldenInventory(Path dir, Map<String, Map<String, String>> variants, List<Problem> problems,
                              List<String> orphans, List<Path> leftovers) {

    /** A file that cannot be used, and why. */
    public record Problem(Path file, String reason) {
    }

    public static GoldenInventory scan(Path dir) throws IOException {
        Map<String, Map<String, String>> variants = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        Set<String> tensors = new TreeSet<>();
        Set<String> referenced = new TreeSet<>();
        for (Path file : GoldenFiles.regularFiles(dir)) {
            String relative = dir.relativize(file).toString().replace('\\', '/');
            String name = file.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            if (name.endsWith(".safetensors")) {
                tensors.add(relative);
            } else if (name.endsWith(".json")) {
                readManifest(dir, file, variants, referenced, problems);
            }
        }
        List<String> orphans = tensors.stream().filter(t -> !referenced.contains(t)).toList();
        return new GoldenInventory(dir, variants, problems, orphans, GoldenFiles.leftoverTemporaryFiles(dir));
    }

    private static void readManifest(Path dir, Path file, Map<String, Map<String, String>> variants,
                                     Set<String> referenced, List<Problem> problems) {
        boolean profile = file.getFileName().toString().startsWith("tolerances");
        try {
            JsonNode node = GoldenFiles.JSON.readTree(file.toFile());
            if (profile || node == null || !GoldenManifest.FORMAT.equals(node.path("format").asText())) {
                return;   // a tolerance profile, or another file kept in the folder
            }
            GoldenManifest manifest = GoldenFiles.JSON.treeToValue(node, GoldenManifest.class);
            if (manifest.variants == null || manifest.name == null) {
                problems.add(new Problem(file, "it has no \"name\" or no \"variants\""));
                return;
            }
            Map<String, String> byKey = variants.computeIfAbsent(manifest.name, k -> new TreeMap<>());
            manifest.variants.forEach((key, variant) -> {
                byKey.put(key, variant.file());
                referenced.add(variant.file());
                if (variant.file() == null || !Files.isRegularFile(dir.resolve(variant.file()))) {
                    problems.add(new Problem(file, "variant \"" + key + "\" names " + variant.file()
                            + ", which does not exist"));
                }
            });
        } catch (JsonProcessingException e) {
            problems.add(new Problem(file, (profile ? "malformed tolerance profile" : "corrupt manifest")
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": "
                    + e.getOriginalMessage()));
        } catch (NoSuchFileException e) {
            // replaced by a recording while the folder was read: the new one is read next time
        } catch (IOException e) {
            problems.add(new Problem(file, "cannot be read: " + e));
        }
    }

    /** Every variant as {@code name@variant}. */
    public Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        variants.forEach((name, byKey) -> byKey.keySet().forEach(k -> keys.add(RunUsage.key(name, k))));
        return keys;
    }

    /** The variants not in {@code read}. */
    public List<String> unread(Collection<String> read) {
        return keys().stream().filter(k -> !read.contains(k)).toList();
    }
}
