package dev.reprodiff.golden;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Which golden variants one test JVM read, {@code <artifacts>/runs/<run>/<pid>.usage.json}: the forks of a run each
 * write theirs, and the union says which goldens the run left unread.
 *
 * @param partial how the run was narrowed ({@code -Dtest=DdimTest}), or null for a run of every test: a partial run
 *        leaves goldens unread that are no less in use
 * @param read per golden folder (absolute), the variants read, as {@code name@variant}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunUsage(String run, String partial, Map<String, Set<String>> read) {

    private static final String SUFFIX = ".usage.json";
    /** The properties that narrow a Surefire or Failsafe run from the command line. */
    private static final List<String> SELECTIONS = List.of("test", "it.test", "groups", "excludedGroups");

    /**
     * How the run is narrowed, read from the test JVM's properties (Surefire passes {@code -Dtest} on); a blank
     * value counts as unset.
     */
    public static String partialSelection(Function<String, String> properties) {
        for (String key : SELECTIONS) {
            String value = properties.apply(key);
            if (value != null && !value.isBlank()) {
                return "-D" + key + "=" + value.strip();
            }
        }
        return null;
    }

    /** {@code name@variant}, as {@link #read} lists a variant. */
    public static String key(String golden, String variant) {
        return golden + "@" + variant;
    }

    /** {@code ddim/tiny (default)} for the key {@code ddim/tiny@default}. */
    public static String label(String key) {
        int at = key.lastIndexOf('@');
        return key.substring(0, at) + " (" + key.substring(at + 1) + ")";
    }

    /** Writes this engine run's usage into its run's folder ({@code <pid>-<hex>}: one JVM may run several). */
    public void write(Path artifacts) throws IOException {
        Path folder = RunJournal.folder(artifacts, run);
        Files.createDirectories(folder);
        GoldenFiles.writeArtifact(folder.resolve(ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + SUFFIX),
                GoldenFiles.JSON.writeValueAsBytes(this));
    }

    /** The union of every usage file in a run's folder; empty when there is none. */
    public static Optional<RunUsage> merged(Path runFolder) throws IOException {
        if (!Files.isDirectory(runFolder)) {
            return Optional.empty();
        }
        List<RunUsage> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(runFolder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                all.add(GoldenFiles.JSON.readValue(file.toFile(), RunUsage.class));
            }
        }
        if (all.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Set<String>> read = new TreeMap<>();
        String partial = null;
        for (RunUsage usage : all) {
            partial = partial != null ? partial : usage.partial();
            usage.read().forEach((dir, keys) -> read.computeIfAbsent(dir, k -> new TreeSet<>()).addAll(keys));
        }
        return Optional.of(new RunUsage(all.get(0).run(), partial, read));
    }

    /** The most recently written run folder under an artifacts folder. */
    public static Optional<Path> latestRun(Path artifacts) throws IOException {
        Path runs = artifacts.resolve(RunJournal.FOLDER);
        if (!Files.isDirectory(runs)) {
            return Optional.empty();
        }
        try (Stream<Path> folders = Files.list(runs)) {
            return folders.filter(Files::isDirectory).max(Comparator.comparing(RunUsage::lastModified));
        }
    }

    private static long lastModified(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.mapToLong(f -> f.toFile().lastModified()).max().orElse(folder.toFile().lastModified());
        } catch (IOException e) {
            return 0;
        }
    }
}
