package dev.reprodiff.junit;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The seeds of one test invocation and where they came from. */
record Seeds(long[] values, Source source) {

    enum Source {
        METHOD("method"), CLASS("class"), CONFIGURATION("configuration"), RANDOM("random");

        final String label;

        Source(String label) {
            this.label = label;
        }

        boolean fixed() {
            return this != RANDOM;
        }
    }

    Seeds {
        values = values.clone();
    }

    @Override
    public long[] values() {
        return values.clone();
    }

    /** The seeds as {@value Seeded#SEED_PROPERTY} takes them: {@code 0,1,2}. */
    String csv() {
        return Arrays.stream(values).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    /** How a failure names the seeds: {@code @Seeded(0)}, {@code @Seeded({0, 1})}, {@code random seed 42}. */
    String describe() {
        String list = Arrays.stream(values).mapToObj(Long::toString).collect(Collectors.joining(", "));
        switch (source) {
            case CONFIGURATION:
                return Seeded.SEED_PROPERTY + "=" + csv();
            case RANDOM:
                return "random seed " + list;
            default:
                return values.length == 1 ? "@Seeded(" + list + ")" : "@Seeded({" + list + "})";
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Seeds that && Arrays.equals(values, that.values) && source == that.source;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(values) + source.hashCode();
    }

    @Override
    public String toString() {
        return describe();
    }
}
