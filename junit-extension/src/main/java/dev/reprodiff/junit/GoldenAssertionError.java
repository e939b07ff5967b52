package dev.reprodiff.junit;

import org.opentest4j.AssertionFailedError;

/** A golden failure; its message names the seeds and commands already. */
final class GoldenAssertionError extends AssertionFailedError implements ReportsSeeds {

    private static final long serialVersionUID = 1L;

    GoldenAssertionError(String message) {
        super(message);
    }

    GoldenAssertionError(String message, String expected, String actual) {
        super(message, expected, actual);
    }
}
