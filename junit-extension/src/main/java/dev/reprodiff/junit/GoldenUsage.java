package dev.reprodiff.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** Which goldens a run read; when the run ends (the root store closes it), lists the ones nobody read. */
final class GoldenUsage implements AutoCloseable {

    static final String REPORT_FILE = "unread-goldens.txt";

    private final Map<Path, Set<Path>> readByDir = new ConcurrentHashMap<>();
    private final Path artifacts;

    GoldenUsage(Path artifacts) {
        this.artifacts = artifacts;
    }

    void read(GoldenStore store, Path tensorFile) {
        readByDir.computeIfAbsent(store.dir(), k -> ConcurrentHashMap.newKeySet())
                .add(store.dir().relativize(tensorFile));
    }

    /** Reports, never deletes: a partial run (-Dtest=...) leaves most goldens unread, and that is no fault. */
    @Override
    public void close() throws IOException {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<Path, Set<Path>> entry : readByDir.entrySet()) {
            List<Path> all = new GoldenStore(entry.getKey()).allTensorFiles();
            List<Path> unread = all.stream().filter(p -> !entry.getValue().contains(p)).toList();
            if (!unread.isEmpty()) {
                lines.add(report(entry.getKey(), all.size(), unread));
            }
        }
        if (!lines.isEmpty()) {
            String report = String.join("\n", lines);
            System.out.println(report);
            Files.createDirectories(artifacts);
            Files.writeString(artifacts.resolve(REPORT_FILE), report + "\n");
        }
    }

    static String report(Path dir, int total, List<Path> unread) {
        return "reprodiff: " + unread.size() + " of " + total + " goldens in " + dir + " were not read by this run"
                + " (obsolete if the run included every test; nothing was deleted):\n"
                + unread.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
    }
}
