package dev.reprodiff.maven.launcher;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClasspathRoots;

/**
 * The main class of {@code reprodiff:record}'s forked test JVM: runs the test classes under a classpath root through
 * the JUnit Platform Launcher, with configuration parameters and an optional {@link TestPatternFilter}.
 *
 * <pre>{@code java -cp ... RecordLauncher --root target/test-classes [--tests 'DdimTest#two*'] --config k=v ...}</pre>
 *
 * Exits 0 when every test passed, 1 when one failed, 2 when none ran.
 */
public final class RecordLauncher {

    /** Surefire's default includes ({@code Test*}, {@code *Test}, {@code *Tests}, {@code *TestCase}), top-level. */
    static final String SUREFIRE_INCLUDES = "^(.*\\.)?(Test[^.$]*|[^.$]*Test|[^.$]*Tests|[^.$]*TestCase)$";

    private RecordLauncher() {
    }

    public static void main(String[] args) {
        Path root = null;
        String tests = null;
        Map<String, String> config = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--tests" -> tests = args[++i];
                case "--config" -> {
                    String[] pair = args[++i].split("=", 2);
                    config.put(pair[0], pair.length > 1 ? pair[1] : "");
                }
                default -> throw new IllegalArgumentException("Unknown argument " + args[i]);
            }
        }
        System.exit(run(root, tests, config));
    }

    static int run(Path root, String tests, Map<String, String> config) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClasspathRoots(Set.of(root)))
                .filters(includeClassNamePatterns(SUREFIRE_INCLUDES))
                .configurationParameters(config);
        if (tests != null && !tests.isBlank()) {
            request.filters(new TestPatternFilter(tests));
        }
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(discovery, summary, new Printer());
        TestExecutionSummary result = summary.getSummary();
        System.out.printf("[reprodiff] Tests run: %d, passed: %d, failed: %d, skipped: %d%n",
                result.getTestsStartedCount(), result.getTestsSucceededCount(),
                result.getTestsFailedCount(), result.getTestsSkippedCount());
        if (result.getTestsStartedCount() == 0) {
            return 2;
        }
        return result.getTotalFailureCount() == 0 ? 0 : 1;
    }

    /** One line per test, the golden report entries, and the first lines of each failure. */
    private static final class Printer implements TestExecutionListener {

        private final List<String> failures = new ArrayList<>();

        @Override
        public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
            entry.getKeyValuePairs().forEach((key, value) -> {
                if (key.startsWith("reprodiff.golden.")) {
                    System.out.println("[reprodiff]   " + key.substring("reprodiff.golden.".length()) + ": "
                            + value);
                }
            });
        }

        @Override
        public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            if (!test.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                return;
            }
            String name = test.getLegacyReportingName();
            System.out.println("[reprodiff] " + result.getStatus() + " " + name);
            result.getThrowable().ifPresent(t -> {
                String message = String.valueOf(t.getMessage());
                failures.add(name);
                message.lines().limit(30).forEach(line -> System.out.println("[reprodiff]     " + line));
            });
        }
    }
}
