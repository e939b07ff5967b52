package dev.reprodiff.junit;

/** Placeholder: golden configuration names. */
final class Goldens {
    static final String MODE_PROPERTY = "reprodiff.golden.mode";

    private Goldens() {
    }
}
