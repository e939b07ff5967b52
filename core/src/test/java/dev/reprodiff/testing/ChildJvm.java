package dev.reprodiff.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** A second JVM on this test's classpath (or part of it), for what one process cannot show: crashes, exits. */
public final class ChildJvm {

    private final List<String> options = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector"));
    private final Map<String, String> environment = new HashMap<>();
    private Predicate<String> classpathEntry = entry -> true;

    /** Adds a JVM option, such as {@code -Dai.djl.offline=true}. */
    public ChildJvm option(String option) {
        options.add(option);
        return this;
    }

    /** Sets an environment variable of the child. */
    public ChildJvm environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Leaves out the classpath entries whose file names contain {@code part}, such as a native jar. */
    public ChildJvm without(String part) {
        classpathEntry = classpathEntry.and(entry -> !Path.of(entry).getFileName().toString().contains(part));
        return this;
    }

    /** Starts {@code main} with {@code arguments}, its output and errors both going to {@code log}. */
    public Process start(Path log, Class<?> main, String... arguments) throws IOException {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(classpathEntry).collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(options);
        command.addAll(List.of("-cp", classpath, main.getName()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Runs {@code main} to its end (five minutes at most) and returns its exit code and output. */
    public Result run(Path log, Class<?> main, String... arguments) throws IOException, InterruptedException {
        Process process = start(log, main, arguments);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("The child JVM ran past five minutes: " + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log));
    }

    /** A finished child: its exit code and everything it printed. */
    public record Result(int exitCode, String output) {
    }
}
