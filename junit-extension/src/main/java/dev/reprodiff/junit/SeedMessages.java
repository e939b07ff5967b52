package dev.reprodiff.junit;

import org.junit.jupiter.api.extension.ParameterContext;
import org.opentest4j.AssertionFailedError;

import java.lang.reflect.Executable;
import java.util.Arrays;

/** Messages of {@link SeededExtension}: misuse, refused seeds, and the seed lines appended to failures. */
final class SeedMessages {

    private SeedMessages() {
    }

    /** The lines appended to a failure: {@code Seeds: @Seeded(0)} and {@code Replay: mvn test ...}. */
    static String seedLines(Seeds seeds, String replay) {
        return "Seeds: " + seeds.describe() + "\nReplay: " + replay;
    }

    /**
     * The failure with the seed lines appended; assertion errors keep their type (and expected/actual values), other
     * exceptions, whose type a test may depend on, get the lines as a suppressed exception.
     */
    static Throwable withSeeds(Throwable failure, Seeds seeds, String replay) {
        String lines = seedLines(seeds, replay);
        String message = failure.getMessage() == null ? lines : failure.getMessage() + "\n" + lines;
        Throwable augmented;
        if (failure.getClass() == AssertionFailedError.class) {
            AssertionFailedError original = (AssertionFailedError) failure;
            augmented = original.isExpectedDefined() && original.isActualDefined()
                    ? new AssertionFailedError(message, original.getExpected().getEphemeralValue(),
                            original.getActual().getEphemeralValue(), original.getCause())
                    : new AssertionFailedError(message, original.getCause());
        } else if (failure.getClass() == AssertionError.class) {
            augmented = new AssertionError(message, failure.getCause());
        } else {
            failure.addSuppressed(new SeedReport(lines));
            return failure;
        }
        augmented.setStackTrace(failure.getStackTrace());
        Arrays.stream(failure.getSuppressed()).forEach(augmented::addSuppressed);
        return augmented;
    }

    static String oneGeneratorForSeveralSeeds(ParameterContext parameter, Seeds seeds) {
        return seeds.describe() + " gives " + seeds.values().length + " seeds, but " + describe(parameter)
                + " takes one Generator; declare List<Generator> to get one generator per seed, or give @Seeded"
                + " a single seed";
    }

    static String oneSeedForSeveralSeeds(ParameterContext parameter, Seeds seeds) {
        return seeds.describe() + " gives " + seeds.values().length + " seeds, but " + describe(parameter)
                + " takes one; declare it @Seeded long[] to get all seeds";
    }

    static String badSeedParameter(ParameterContext parameter) {
        long[] value = parameter.findAnnotation(Seeded.class).map(Seeded::value).orElse(new long[0]);
        return "@Seeded on " + describe(parameter) + " expects a long (the seed) or long[] (all seeds) without a"
                + " value, but found " + parameter.getParameter().getType().getSimpleName()
                + (value.length == 0 ? "" : " with value " + Arrays.toString(value))
                + "; put the seeds on the method or class: @Seeded(0)";
    }

    static String unfixedSeedRefused(String test) {
        return test + " has no fixed seed, and " + Seeded.REQUIRE_FIXED_PROPERTY
                + "=true refuses random seeds; give it one, for example @Seeded(0), or set " + Seeded.SEED_PROPERTY;
    }

    static String badSeedProperty(String value) {
        return "Invalid " + Seeded.SEED_PROPERTY + " \"" + value
                + "\": expected a seed or a comma-separated list of seeds, such as 0 or 0,1,2,3";
    }

    private static String describe(ParameterContext parameter) {
        Executable executable = parameter.getDeclaringExecutable();
        return "parameter " + parameter.getIndex() + " of " + executable.getDeclaringClass().getSimpleName()
                + "#" + executable.getName();
    }

    /** Carries the seed lines on a failure whose type must not change. */
    static final class SeedReport extends Exception {

        private static final long serialVersionUID = 1L;

        SeedReport(String lines) {
            super(lines, null, false, false);
        }
    }
}
