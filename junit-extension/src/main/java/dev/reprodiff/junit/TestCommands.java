package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenMode;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Maven command lines that replay a test or re-record its goldens, as failure messages print them. In a module of
 * a multi-module build they run from the reactor root: {@code -pl <module> -am} builds what the module needs, and
 * {@code -Dsurefire.failIfNoSpecifiedTests=false} lets the other modules run no test.
 */
final class TestCommands {

    private TestCommands() {
    }

    /** {@code mvn test -Dtest='Outer$Inner#method'}, plus the seeds where only the command line can fix them. */
    static String replay(ExtensionContext context, Seeds seeds) {
        return select(testId(context), MavenModule.path()) + seedOption(seeds);
    }

    /** The replay command that re-records the test's goldens. */
    static String record(ExtensionContext context, Seeds seeds) {
        return replay(context, seeds) + " -D" + Goldens.MODE_PROPERTY + "=" + GoldenMode.RECORD.value();
    }

    /** The replay command that records the test's missing goldens. */
    static String recordMissing(ExtensionContext context, Seeds seeds) {
        return replay(context, seeds) + " -D" + Goldens.MODE_PROPERTY + "=" + GoldenMode.RECORD_MISSING.value();
    }

    /** Surefire's -Dtest takes the class's binary name without the package: nested classes keep their {@code $}. */
    static String testId(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        String name = testClass.getName().substring(testClass.getPackageName().isEmpty() ? 0
                : testClass.getPackageName().length() + 1);
        return context.getTestMethod().map(m -> name + "#" + m.getName()).orElse(name);
    }

    /** {@code dev.example.Outer$Inner#method [2] seed=3}: the test as a manifest's provenance names it. */
    static String qualifiedTestId(ExtensionContext context) {
        if (context.getTestMethod().isEmpty() && context.getParent().flatMap(ExtensionContext::getTestMethod)
                .isPresent()) {
            return qualifiedTestId(context.getParent().get()) + " " + context.getDisplayName();   // a dynamic test
        }
        String name = context.getRequiredTestClass().getName()
                + context.getTestMethod().map(m -> "#" + m.getName()).orElse("");
        return invocation(context) == null ? name : name + " " + context.getDisplayName();
    }

    /** {@code [2]} for the second invocation of a test template ({@code @ParameterizedTest}, ...), else null. */
    static String invocation(ExtensionContext context) {
        boolean invocation = context.getTestMethod().isPresent() && context.getParent()
                .flatMap(ExtensionContext::getTestMethod).isPresent();
        if (!invocation) {
            return null;
        }
        String id = context.getUniqueId();
        return id.substring(id.lastIndexOf(":#") + 1, id.length() - 1).replace("#", "[") + "]";
    }

    static String select(String testId, String module) {
        return "mvn test" + (module.isEmpty() ? "" : " -pl " + module + " -am -Dsurefire.failIfNoSpecifiedTests=false")
                + " -Dtest='" + testId + "'";
    }

    private static String seedOption(Seeds seeds) {
        return seeds == null || seeds.source() == Seeds.Source.METHOD || seeds.source() == Seeds.Source.CLASS ? ""
                : " -D" + Seeded.SEED_PROPERTY + "=" + seeds.csv();
    }
}
