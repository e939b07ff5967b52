package dev.reprodiff.maven;

import org.apache.maven.plugin.MojoFailureException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** File sizes as the size budget is written ({@code 10MiB}, {@code 500KB}, {@code 1048576}) and printed. */
final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMG]i?B|B)?",
            Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    static long parse(String text, String property) throws MojoFailureException {
        Matcher matcher = SIZE.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            throw new MojoFailureException("Invalid -D" + property + "=" + text + "; expected a size such as"
                    + " 10MiB, 500KB, 2GB or a number of bytes");
        }
        String unit = matcher.group(2) == null ? "B" : matcher.group(2).toUpperCase(Locale.ROOT);
        double base = unit.contains("I") ? 1024 : 1000;
        int power = "BKMG".indexOf(unit.charAt(0));
        return Math.round(Double.parseDouble(matcher.group(1)) * Math.pow(base, power));
    }

    /** {@code 64.0 MiB}, {@code 512 B}. */
    static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes / 1024.0;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
