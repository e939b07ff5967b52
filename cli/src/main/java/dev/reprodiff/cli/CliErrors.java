package dev.reprodiff.cli;

import ai.djl.engine.EngineException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns whatever a command throws into one line on stderr and exit code 1, so that no Java stack trace reaches a CLI
 * user: bad input is its message; exhausted memory (the Java heap, or an allocation libtorch refused) says how much
 * was asked for and what to try; anything else is named as a bug to report.
 */
final class CliErrors implements IExecutionExceptionHandler {

    /** libtorch's {@code DefaultCPUAllocator: can't allocate memory: you tried to allocate 8796093022208 bytes}. */
    private static final Pattern NATIVE_ALLOCATION = Pattern.compile("allocate (\\d+) bytes");

    /** A command that can say what it asked to allocate, for an out-of-memory message. */
    interface Sized {
        /** What the command was computing, with its size: {@code shape (40000, 40000) float32 (6.0 GiB)}. */
        String sizeAsked();

        /** The bytes of that, or -1 when unknown. */
        long bytesAsked();
    }

    /** A command's {@link OutOfMemoryError}, rethrown as an exception so that picocli hands it to this handler. */
    static final class OutOfMemory extends RuntimeException {

        private static final long serialVersionUID = 1L;

        OutOfMemory(OutOfMemoryError cause) {
            super(cause.getMessage(), cause);
        }
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        command.getErr().println("reprodiff " + command.getCommandName() + ": " + describe(e, command.getCommand()));
        command.getErr().flush();
        return 1;
    }

    static String describe(Exception e, Object command) {
        Sized sized = command instanceof Sized s ? s : null;
        String asked = sized != null ? sized.sizeAsked() : "what this command asked for";
        if (e instanceof OutOfMemory) {
            long max = Runtime.getRuntime().maxMemory();
            return "out of memory (" + e.getMessage() + "): the Java heap, at most " + bytes(max) + ", cannot hold "
                    + asked + ". Ask for less, or give Java more memory: REPRODIFF_JAVA_OPTS=-Xmx"
                    + suggestedHeap(max, sized != null ? sized.bytesAsked() : -1) + " ./reprodiff ...";
        }
        if (e instanceof EngineException && isAllocationFailure(e.getMessage())) {
            Matcher size = NATIVE_ALLOCATION.matcher(e.getMessage());
            String tried = size.find() ? bytes(Long.parseLong(size.group(1))) + " more" : "more memory";
            return "out of memory: libtorch could not allocate " + tried + " for " + asked + ". Ask for less (a"
                    + " smaller batch, size or shape), or free memory on this machine";
        }
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException || e instanceof IOException
                || e instanceof UncheckedIOException || e instanceof EngineException) {
            return e.getMessage();
        }
        return "unexpected " + e.getClass().getName() + ": " + e.getMessage() + ". This is a bug in reprodiff;"
                + " please report it with the command line that caused it";
    }

    private static boolean isAllocationFailure(String message) {
        return message != null && (message.contains("can't allocate memory") || message.contains("not enough memory")
                || message.contains("out of memory"));
    }

    /** A byte count as people read it: {@code 6.0 GiB}. */
    static String bytes(long count) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = count;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? count + " bytes" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /**
     * A heap to try, in whole GiB: twice what was asked for (Java draws the values, then copies them for libtorch),
     * plus one; twice the current maximum when the size is unknown.
     */
    static String suggestedHeap(long max, long asked) {
        long bytes = asked > 0 ? 2 * asked + (1L << 30) : 2 * max;
        return Math.max(2, (bytes + (1L << 30) - 1) >> 30) + "g";
    }
}
