package dev.reprodiff.io;

import java.io.IOException;

/**
 * A safetensors file that cannot be read: it is corrupt or truncated, its header breaks the format (a missing field,
 * overlapping tensors, a gap in the data section), or it holds a tensor that this reader cannot load (such as
 * {@code BF16} on DJL's PyTorch engine). The message names the file and, where one is at fault, the tensor.
 */
public class SafeTensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that names the file and what is wrong with it.
     *
     * @param message the detail message
     */
    public SafeTensorsException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message that names the file and what is wrong with it, and the error behind it.
     *
     * @param message the detail message
     * @param cause the error that revealed the problem, such as a JSON parser's
     */
    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
