package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenProperties;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.OutputDirectoryCreator;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/** Runs fixture test cases with JUnit Jupiter's test kit and reads back what happened. */
final class TestKit {

    /** The start of the commands that failures in this module print: it is the reactor's {@code junit-extension}. */
    static final String MVN_TEST = "mvn test -pl junit-extension -am -Dsurefire.failIfNoSpecifiedTests=false";

    private TestKit() {
    }

    /** Runs every test of {@code testCase}, with configuration parameters given as key, value, key, value... */
    static EngineExecutionResults execute(Class<?> testCase, String... parameters) {
        return execute(selectClass(testCase), parameters);
    }

    /** Runs every test of several classes in one engine run. */
    static EngineExecutionResults executeClasses(List<Class<?>> testCases, String... parameters) {
        return execute(EngineTestKit.engine("junit-jupiter").selectors(testCases.stream()
                .map(c -> selectClass(c)).toArray(DiscoverySelector[]::new)), parameters);
    }

    /** Runs one test method, named as {@code fails} or {@code fails(dev.reprodiff.random.Generator)}. */
    static EngineExecutionResults executeMethod(Class<?> testCase, String method, String... parameters) {
        return execute(selectMethod(testCase.getName() + "#" + method), parameters);
    }

    static EngineExecutionResults execute(DiscoverySelector selector, String... parameters) {
        return execute(EngineTestKit.engine("junit-jupiter").selectors(selector), parameters);
    }

    /** Runs {@code testCase} with published files written under {@code outputs}, one folder per test. */
    static EngineExecutionResults executeWithOutputs(Class<?> testCase, Path outputs, String... parameters) {
        return execute(EngineTestKit.engine("junit-jupiter").selectors(selectClass(testCase))
                .outputDirectoryCreator(new OutputDirectoryCreator() {
                    @Override
                    public Path getRootDirectory() {
                        return outputs;
                    }

                    @Override
                    public Path createOutputDirectory(TestDescriptor descriptor) throws IOException {
                        return Files.createDirectories(outputs.resolve(Integer.toHexString(
                                descriptor.getUniqueId().toString().hashCode())));
                    }
                }), parameters);
    }

    /** Each execution is a run of its own (as each {@code mvn test} is), unless the parameters name the run. */
    private static EngineExecutionResults execute(EngineTestKit.Builder builder, String... parameters) {
        builder.configurationParameter(GoldenProperties.RUN_ID, "testkit-" + UUID.randomUUID());
        for (int i = 0; i < parameters.length; i += 2) {
            builder.configurationParameter(parameters[i], parameters[i + 1]);
        }
        return builder.execute();
    }

    /** The one failure's message; fails (with the run's failures attached) unless exactly one test failed. */
    static Throwable onlyFailure(EngineExecutionResults results) {
        List<Throwable> failures = failures(results);
        if (failures.size() != 1) {
            AssertionError error = new AssertionError("Expected exactly one failed test, found " + failures.size());
            failures.forEach(error::addSuppressed);
            throw error;
        }
        return failures.get(0);
    }

    static List<Throwable> failures(EngineExecutionResults results) {
        return results.allEvents().failed().stream()
                .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow())
                .map(r -> r.getThrowable().orElseThrow()).collect(Collectors.toList());
    }

    /** Fails with the inner run's exceptions attached unless every started test succeeded and {@code count} ran. */
    static void assertAllSucceeded(EngineExecutionResults results, long count) {
        List<Throwable> failures = failures(results);
        long succeeded = results.testEvents().succeeded().count();
        if (!failures.isEmpty() || succeeded != count) {
            AssertionError error = new AssertionError("Expected " + count + " successful tests, found " + succeeded
                    + " and " + failures.size() + " failures");
            failures.forEach(error::addSuppressed);
            throw error;
        }
    }

    /** The report entries that the tests published, in order. */
    static List<Map<String, String>> reportEntries(EngineExecutionResults results) {
        return results.allEvents().stream().filter(e -> e.getType() == EventType.REPORTING_ENTRY_PUBLISHED)
                .map(Event::getPayload).map(p -> ((ReportEntry) p.orElseThrow()).getKeyValuePairs())
                .collect(Collectors.toList());
    }
}
