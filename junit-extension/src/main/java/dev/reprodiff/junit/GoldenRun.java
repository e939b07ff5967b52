package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenInventory;
import dev.reprodiff.golden.RunJournal;
import dev.reprodiff.golden.RunUsage;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the test invocations of one engine run share (the root store holds it, and closes it when the run ends):
 * which golden variants were read, which invocation records which variant, and the run's journal. When the run ends
 * it writes this JVM's usage and, merged with the other forks' of the same run, {@value #UNREAD_FILE}.
 */
final class GoldenRun implements AutoCloseable {

    static final String UNREAD_FILE = "unread-goldens.txt";

    private final Path artifacts;
    private final String id;
    private final String partial;
    private final Map<String, Set<String>> read = new ConcurrentHashMap<>();
    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private RunJournal journal;
    private boolean journalBroken;

    private record Claim(String uniqueId, String test) {
    }

    private GoldenRun(GoldenSettings settings) {
        this.artifacts = settings.artifacts();
        this.id = settings.run();
        this.partial = settings.partial();
    }

    static GoldenRun of(ExtensionContext context, GoldenSettings settings) {
        // getOrComputeIfAbsent: deprecated in JUnit 6 for computeIfAbsent, which JUnit 5.14 does not have yet.
        return context.getRoot().getStore(GoldenSession.NAMESPACE).getOrComputeIfAbsent(GoldenRun.class,
                key -> new GoldenRun(settings), GoldenRun.class);
    }

    void read(Path dir, String golden, String variant) {
        read.computeIfAbsent(dir.toAbsolutePath().normalize().toString(), k -> ConcurrentHashMap.newKeySet())
                .add(RunUsage.key(golden, variant));
    }

    /** Claims one variant for one invocation; the test that claimed it first, if it is another invocation. */
    Optional<String> claim(Path dir, String golden, String variant, String uniqueId, String test) {
        Claim claim = claims.computeIfAbsent(dir.toAbsolutePath().normalize() + "|" + RunUsage.key(golden, variant),
                k -> new Claim(uniqueId, test));
        return claim.uniqueId().equals(uniqueId) ? Optional.empty() : Optional.of(claim.test());
    }

    void started(String uniqueId, String test) {
        journal(j -> j.started(uniqueId, test));
    }

    void staged(String uniqueId, String golden) {
        journal(j -> j.staged(uniqueId, golden));
    }

    void finished(String uniqueId) {
        journal(j -> j.finished(uniqueId));
    }

    private interface JournalWrite {
        void to(RunJournal journal) throws IOException;
    }

    /** The journal only helps to explain a crash: failing to write it never fails a test. */
    private synchronized void journal(JournalWrite write) {
        if (journalBroken) {
            return;
        }
        try {
            if (journal == null) {
                journal = RunJournal.open(artifacts, id);
            }
            write.to(journal);
        } catch (IOException | RuntimeException e) {
            journalBroken = true;
            System.err.println("reprodiff: cannot write the run's journal under " + artifacts + ": " + e);
        }
    }

    /**
     * Writes this JVM's usage, then the run's unread goldens from every fork's usage so far; a side report, whose
     * failure never fails the run.
     */
    @Override
    public void close() {
        if (read.isEmpty()) {
            return;
        }
        try {
            writeUsage();
        } catch (IOException | RuntimeException e) {
            System.err.println("reprodiff: cannot write which goldens this run read under " + artifacts + ": " + e);
        }
    }

    private void writeUsage() throws IOException {
        Map<String, Set<String>> mine = new TreeMap<>();
        read.forEach((dir, keys) -> mine.put(dir, new TreeSet<>(keys)));
        new RunUsage(id, partial, mine).write(artifacts);
        Path folder = RunJournal.folder(artifacts, id);
        // Forks of one run end at any time: merging under the folder's lock, the last one writes the whole answer.
        try (GoldenFiles.DirectoryLock lock = GoldenFiles.lockDirectory(folder)) {
            RunUsage all = RunUsage.merged(folder).orElseThrow();
            Files.writeString(artifacts.resolve(UNREAD_FILE), unreadReport(all) + "\n");
        }
    }

    static String unreadReport(RunUsage usage) throws IOException {
        if (usage.partial() != null) {
            return GoldenMessages.partialRun(usage.partial());
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Set<String>> entry : usage.read().entrySet()) {
            GoldenInventory inventory = GoldenInventory.scan(Path.of(entry.getKey()));
            lines.add(GoldenMessages.unread(inventory, inventory.unread(entry.getValue())));
        }
        return String.join("\n", lines);
    }
}
