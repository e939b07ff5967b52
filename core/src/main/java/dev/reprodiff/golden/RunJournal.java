package dev.reprodiff.golden;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the test JVMs of one run did, line by line, in {@code <artifacts>/runs/<run>/<pid>.log}: each test that
 * started, each golden it staged for recording, each test that finished. A JVM that is killed, crashes or calls
 * {@code System.exit} leaves tests started and never finished; {@code reprodiff:record} names them, and says that
 * their goldens were not written.
 */
public final class RunJournal {

    /** The folder under the artifacts folder that holds one folder per run: {@value}. */
    public static final String FOLDER = "runs";

    private final Path file;

    private RunJournal(Path file) {
        this.file = file;
    }

    /** A test that started and never finished, and the goldens it had staged. */
    public record Unfinished(String test, List<String> staged, long pid) {
    }

    /** {@code <artifacts>/runs/<run>}. */
    public static Path folder(Path artifacts, String run) {
        return artifacts.resolve(FOLDER).resolve(GoldenFiles.fitFileName(run.replaceAll("[^A-Za-z0-9_.-]", "_"), ""));
    }

    /** This JVM's journal in the run's folder. */
    public static RunJournal open(Path artifacts, String run) throws IOException {
        Path folder = folder(artifacts, run);
        Files.createDirectories(folder);
        return new RunJournal(folder.resolve(ProcessHandle.current().pid() + ".log"));
    }

    public void started(String id, String test) throws IOException {
        append("start\t" + id + "\t" + test);
    }

    public void staged(String id, String golden) throws IOException {
        append("stage\t" + id + "\t" + golden);
    }

    public void finished(String id) throws IOException {
        append("end\t" + id);
    }

    /** One line per write, so that a JVM killed at any moment leaves every line before it whole. */
    private synchronized void append(String line) throws IOException {
        Files.writeString(file, line.replace('\n', ' ') + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** The tests of a run that started and never finished, in the order they started. */
    public static List<Unfinished> unfinished(Path runFolder) throws IOException {
        List<Unfinished> unfinished = new ArrayList<>();
        if (!Files.isDirectory(runFolder)) {
            return unfinished;
        }
        try (Stream<Path> files = Files.list(runFolder)) {
            for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                unfinished.addAll(unfinishedIn(log));
            }
        }
        return unfinished;
    }

    private static List<Unfinished> unfinishedIn(Path log) throws IOException {
        long pid = Long.parseLong(log.getFileName().toString().replace(".log", ""));
        Map<String, String> tests = new LinkedHashMap<>();
        Map<String, List<String>> staged = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            String[] parts = line.split("\t", 3);
            switch (parts[0]) {
                case "start" -> {
                    if (parts.length == 3) {
                        tests.put(parts[1], parts[2]);
                    }
                }
                case "stage" -> {
                    if (parts.length == 3) {
                        staged.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(parts[2]);
                    }
                }
                case "end" -> {
                    tests.remove(parts.length > 1 ? parts[1] : "");
                    staged.remove(parts.length > 1 ? parts[1] : "");
                }
                default -> {
                    // a line cut short by the kill
                }
            }
        }
        List<Unfinished> unfinished = new ArrayList<>();
        tests.forEach((id, test) -> unfinished.add(new Unfinished(test, staged.getOrDefault(id, List.of()), pid)));
        return unfinished;
    }
}
