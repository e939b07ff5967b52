package dev.reprodiff.maven;

import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.logging.Log;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The SHA-256 of every file in a golden folder, to tell what a recording created, changed and left alone. */
record GoldenSnapshot(Map<String, String> files) {

    /** Relative paths in each category. */
    record Changes(List<String> created, List<String> changed, List<String> unchanged, List<String> removed) {

        void log(Log log, Path dir) {
            log.info(String.format("Goldens in %s: %d new, %d changed, %d unchanged%s", dir, created.size(),
                    changed.size(), unchanged.size(), removed.isEmpty() ? "" : ", " + removed.size() + " removed"));
            created.forEach(f -> log.info("  new:       " + f));
            changed.forEach(f -> log.info("  changed:   " + f + (provenanceOnly(f) ? "  (provenance only: the golden's"
                    + " tensors are unchanged)" : "")));
            unchanged.forEach(f -> log.info("  unchanged: " + f));
            removed.forEach(f -> log.info("  removed:   " + f));
        }

        /** A manifest that changed while every tensor file of its golden stayed the same. */
        boolean provenanceOnly(String file) {
            if (!file.endsWith(".json")) {
                return false;
            }
            String golden = file.substring(0, file.length() - ".json".length());
            return Stream.concat(created.stream(), changed.stream()).noneMatch(f -> f.endsWith(".safetensors")
                    && (f.equals(golden + ".safetensors") || f.startsWith(golden + "@")));
        }
    }

    static GoldenSnapshot of(Path dir) throws MojoExecutionException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return new GoldenSnapshot(files);
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(GoldenSnapshot::isGoldenFile).toList()) {
                files.put(dir.relativize(path).toString().replace('\\', '/'), sha256(path));
            }
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read the golden folder " + dir, e);
        }
        return new GoldenSnapshot(files);
    }

    /** Tensor files, manifests and tolerance profiles; not a README or other notes kept in the folder. */
    private static boolean isGoldenFile(Path path) {
        String name = path.getFileName().toString();
        return Files.isRegularFile(path) && (name.endsWith(".safetensors") || name.endsWith(".json"));
    }

    Changes compareWith(GoldenSnapshot after) {
        List<String> created = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        after.files.forEach((file, hash) -> {
            String old = files.get(file);
            (old == null ? created : old.equals(hash) ? unchanged : changed).add(file);
        });
        files.keySet().stream().filter(f -> !after.files.containsKey(f)).forEach(removed::add);
        return new Changes(created, changed, unchanged, removed);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
