package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenInventory;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.RunJournal;
import dev.reprodiff.golden.RunUsage;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.project.MavenProject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one module's tests did in one recording run, read back from the files the JUnit extension wrote: the result
 * files of the run (recorded, discarded, verified), the run's journal (tests that never finished) and the forks'
 * usage (goldens left unread).
 */
final class RecordingReport {

    private final Path artifacts;
    private final String run;
    private final List<GoldenResult> results;

    private RecordingReport(Path artifacts, String run, List<GoldenResult> results) {
        this.artifacts = artifacts;
        this.run = run;
        this.results = results;
    }

    /** The run named by {@value GoldenProperties#RUN_ID}, in the module's artifacts folder as its tests see it. */
    static RecordingReport of(MavenProject project, Properties userProperties) {
        Path artifacts = TestSettings.of(project, userProperties).path(GoldenProperties.ARTIFACTS_DIR,
                GoldenProperties.DEFAULT_ARTIFACTS_DIR);
        String run = userProperties.getProperty(GoldenProperties.RUN_ID, "");
        List<GoldenResult> results = new ArrayList<>();
        for (GoldenResult result : ResultFiles.read(artifacts.resolve(GoldenResult.FOLDER)).results()) {
            if (run.equals(result.subject().run())) {
                results.add(result);
            }
        }
        return new RecordingReport(artifacts, run, results);
    }

    /** Logs the run: after a failure, first what was not written and why. */
    void log(Log log, boolean failed, long sizeBudget) {
        if (failed) {
            logUnwritten(log);
        }
        Map<String, List<GoldenResult>> recorded = byGoldenDir(GoldenResult.Status.RECORDED);
        recorded.forEach((dir, list) -> logRecorded(log, dir, list));
        for (GoldenResult result : results) {
            GoldenResult.Recording recording = result.recording();
            if (recording != null && recording.bytes() > sizeBudget) {
                log.warn("reprodiff: golden " + label(result) + " is " + Sizes.format(recording.bytes())
                        + ", over the " + Sizes.format(sizeBudget) + " budget (-D" + GoldenProperties.SIZE_BUDGET
                        + "): keep goldens this large in Git LFS (see the plugin's README) or record a smaller"
                        + " tensor");
            }
        }
        long verified = results.stream().filter(r -> r.status() == GoldenResult.Status.PASSED).count();
        if (verified > 0) {
            log.info("reprodiff: " + verified + (verified == 1 ? " golden" : " goldens") + " verified");
        }
        if (recorded.isEmpty() && results.isEmpty() && !failed) {
            log.info("reprodiff: no test of this module recorded a golden");
        }
        if (!failed) {
            logUnread(log);
        }
    }

    private void logUnwritten(Log log) {
        try {
            for (RunJournal.Unfinished test : RunJournal.unfinished(RunJournal.folder(artifacts, run))) {
                log.error("reprodiff: " + test.test() + " did not finish: its test JVM (pid " + test.pid()
                        + ") ended first (killed, crashed or System.exit), and "
                        + (test.staged().isEmpty() ? "it had recorded no golden yet"
                        : "its goldens were not written: " + String.join(", ", test.staged())));
            }
        } catch (IOException e) {
            log.warn("reprodiff: cannot read the run's journal under " + artifacts + ": " + e);
        }
        for (GoldenResult result : results) {
            if (result.status() == GoldenResult.Status.DISCARDED) {
                log.error("reprodiff: golden " + label(result) + " of " + test(result) + " was not written ("
                        + result.message().replaceFirst("^not written: ", "") + ")");
            }
        }
    }

    private static void logRecorded(Log log, String dir, List<GoldenResult> recorded) {
        Map<GoldenResult.Change, List<GoldenResult>> byChange = new TreeMap<>();
        recorded.forEach(r -> byChange.computeIfAbsent(r.recording().change(), k -> new ArrayList<>()).add(r));
        log.info("reprodiff: goldens in " + dir + ": " + count(byChange, GoldenResult.Change.NEW) + " new, "
                + count(byChange, GoldenResult.Change.CHANGED) + " changed, "
                + count(byChange, GoldenResult.Change.UNCHANGED) + " unchanged");
        byChange.forEach((change, list) -> list.forEach(r -> log.info(String.format("  %-10s %s", change.value()
                + ":", label(r) + (change == GoldenResult.Change.UNCHANGED ? "  (same values; provenance rewritten)"
                : "  " + relative(dir, r.recording().file()) + ", "
                + Sizes.format(r.recording().bytes()))))));
    }

    /** Unread goldens from every fork's usage; a partial run says only that it was not checked. */
    private void logUnread(Log log) {
        try {
            Optional<RunUsage> usage = RunUsage.merged(RunJournal.folder(artifacts, run));
            if (usage.isEmpty()) {
                return;
            }
            if (usage.get().partial() != null) {
                log.info("reprodiff: partial run (" + usage.get().partial() + "): unread goldens not checked");
                return;
            }
            for (Map.Entry<String, Set<String>> entry : usage.get().read().entrySet()) {
                GoldenInventory inventory = GoldenInventory.scan(Path.of(entry.getKey()));
                List<String> unread = inventory.unread(entry.getValue());
                if (!unread.isEmpty()) {
                    log.info("reprodiff: " + unread.size() + " of " + inventory.keys().size() + " goldens in "
                            + entry.getKey() + " were not read by this run (obsolete if it ran every test; nothing"
                            + " was deleted): " + unread.stream().map(RunUsage::label)
                            .collect(Collectors.joining(", ")));
                }
                if (!inventory.orphans().isEmpty()) {
                    log.warn("reprodiff: no manifest in " + entry.getKey() + " references "
                            + String.join(", ", inventory.orphans()));
                }
                inventory.problems().forEach(p -> log.warn("reprodiff: cannot use " + p.file() + ": "
                        + p.reason()));
            }
        } catch (IOException e) {
            log.warn("reprodiff: cannot read which goldens the run read under " + artifacts + ": " + e);
        }
    }

    private Map<String, List<GoldenResult>> byGoldenDir(GoldenResult.Status status) {
        Map<String, List<GoldenResult>> byDir = new TreeMap<>();
        results.stream().filter(r -> r.status() == status).forEach(r -> byDir.computeIfAbsent(
                r.subject().goldenDir(), k -> new ArrayList<>()).add(r));
        return byDir;
    }

    /** {@code file} relative to {@code dir} where it lies below it. */
    private static String relative(String dir, String file) {
        Path d = Path.of(dir).toAbsolutePath().normalize();
        Path f = Path.of(file).toAbsolutePath().normalize();
        return f.startsWith(d) ? d.relativize(f).toString() : file;
    }

    List<GoldenResult> results() {
        return results;
    }

    private static long count(Map<GoldenResult.Change, List<GoldenResult>> byChange, GoldenResult.Change change) {
        return byChange.getOrDefault(change, List.of()).size();
    }

    /** {@code ddim/tiny (default)}. */
    static String label(GoldenResult result) {
        String variant = result.recording() != null ? result.recording().variant()
                : result.comparison() != null ? result.comparison().variant() : null;
        return result.subject().golden() + (variant == null ? "" : " (" + variant + ")");
    }

    static String test(GoldenResult result) {
        return result.subject().test() + (result.subject().invocation() == null ? ""
                : " " + result.subject().invocation());
    }

    /** Every result file under a folder, and the files that could not be read (named, with the reason). */
    static final class ResultFiles {

        private final List<GoldenResult> results;
        private final List<String> unreadable;

        private ResultFiles(List<GoldenResult> results, List<String> unreadable) {
            this.results = results;
            this.unreadable = unreadable;
        }

        static ResultFiles read(Path dir) {
            List<GoldenResult> results = new ArrayList<>();
            List<String> unreadable = new ArrayList<>();
            List<Path> files;
            try {
                files = GoldenFiles.regularFiles(dir);
            } catch (IOException e) {
                unreadable.add(dir + ": " + e.getMessage());
                files = List.of();
            }
            for (Path file : files.stream().filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    GoldenResult result = GoldenResult.read(file);
                    if (result != null) {
                        results.add(result);
                    }
                } catch (IOException | RuntimeException e) {
                    unreadable.add(file + ": " + e.getMessage());
                }
            }
            return new ResultFiles(results, unreadable);
        }

        List<GoldenResult> results() {
            return results;
        }

        List<String> unreadable() {
            return unreadable;
        }
    }
}
