package dev.reprodiff.junit;

import org.junit.jupiter.api.extension.ExtensionContext;

/** The Maven command lines that replay a test or re-record its goldens, as failure messages print them. */
final class TestCommands {

    private TestCommands() {
    }

    /** {@code mvn test -Dtest='Outer$Inner#method'}, plus the seeds where only the command line can fix them. */
    static String replay(ExtensionContext context, Seeds seeds) {
        return select(context) + seedOption(seeds);
    }

    /** The replay command that re-records the test's goldens. */
    static String record(ExtensionContext context, Seeds seeds) {
        return select(context) + seedOption(seeds) + " -D" + Goldens.MODE_PROPERTY + "=record";
    }

    /** The replay command that records the test's missing goldens. */
    static String recordMissing(ExtensionContext context, Seeds seeds) {
        return record(context, seeds) + "-missing";
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
        String name = context.getRequiredTestClass().getName()
                + context.getTestMethod().map(m -> "#" + m.getName()).orElse("");
        // Invocations of a template (@ParameterizedTest, @RepeatedTest) keep their display name.
        boolean invocation = context.getTestMethod().isPresent() && context.getParent()
                .flatMap(ExtensionContext::getTestMethod).isPresent();
        return invocation ? name + " " + context.getDisplayName() : name;
    }

    private static String select(ExtensionContext context) {
        return "mvn test -Dtest='" + testId(context) + "'";
    }

    private static String seedOption(Seeds seeds) {
        return seeds == null || seeds.source() == Seeds.Source.METHOD || seeds.source() == Seeds.Source.CLASS ? ""
                : " -D" + Seeded.SEED_PROPERTY + "=" + seeds.csv();
    }
}
