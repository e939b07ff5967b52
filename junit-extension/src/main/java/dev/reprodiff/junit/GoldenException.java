package dev.reprodiff.junit;

/** A golden, its manifest or {@code tolerances.json} that cannot be used: missing parts, corrupt, malformed. */
final class GoldenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    GoldenException(String message) {
        super(message);
    }

    GoldenException(String message, Throwable cause) {
        super(message, cause);
    }
}
