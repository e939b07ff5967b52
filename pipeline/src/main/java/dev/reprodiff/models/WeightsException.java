package dev.reprodiff.models;

/**
 * A weights file that does not fit the model built from its configuration: unreadable, truncated, or with missing,
 * unexpected or wrongly shaped parameters. The message lists every problem found, by diffusers' parameter names.
 */
public class WeightsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
