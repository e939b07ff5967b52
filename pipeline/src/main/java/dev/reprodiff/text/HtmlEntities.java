package dev.reprodiff.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}: HTML5 named and numeric character references, with the standard's rules for
 * invalid numbers and for legacy names without a semicolon (the longest known prefix is replaced).
 */
final class HtmlEntities {

    /** Python's pattern: a decimal or hex number, or up to 32 name characters, each optionally ended by ';'. */
    private static final Pattern REFERENCE =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)");

    private static final Map<String, String> NAMED = readNamed();

    /** Code points 0x80-0x9F read as windows-1252, as browsers do; the five undefined there stay themselves. */
    private static final String CP1252_80_9F = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160"
            + "\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161"
            + "\u203a\u0153\u009d\u017e\u0178";

    private HtmlEntities() {
    }

    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher matcher = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(replace(matcher.group(1))));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static String replace(String reference) {
        if (reference.charAt(0) == '#') {
            boolean hex = reference.length() > 1 && (reference.charAt(1) == 'x' || reference.charAt(1) == 'X');
            String digits = stripSemicolon(reference.substring(hex ? 2 : 1));
            return numeric(new BigInteger(digits, hex ? 16 : 10));
        }
        String exact = NAMED.get(reference);
        if (exact != null) {
            return exact;
        }
        // a legacy name such as "&ampx": the longest prefix that is a name, then the rest as it was
        for (int end = reference.length() - 1; end > 1; end--) {
            String prefix = NAMED.get(reference.substring(0, end));
            if (prefix != null) {
                return prefix + reference.substring(end);
            }
        }
        return "&" + reference;
    }

    private static String numeric(BigInteger value) {
        if (value.bitLength() > 21 || value.intValue() > Character.MAX_CODE_POINT) {
            return "\ufffd";
        }
        int codePoint = value.intValue();
        if (codePoint == 0) {
            return "\ufffd";
        }
        if (codePoint == 0x0d) {
            return "\r";
        }
        if (codePoint >= 0x80 && codePoint <= 0x9f) {
            return String.valueOf(CP1252_80_9F.charAt(codePoint - 0x80));
        }
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
            return "\ufffd";
        }
        if (isInvalidCodePoint(codePoint)) {
            return "";
        }
        return new String(Character.toChars(codePoint));
    }

    /** Controls and noncharacters, which the standard drops. */
    private static boolean isInvalidCodePoint(int codePoint) {
        return (codePoint >= 0x01 && codePoint <= 0x08) || codePoint == 0x0b
                || (codePoint >= 0x0e && codePoint <= 0x1f) || (codePoint >= 0x7f && codePoint <= 0x9f)
                || (codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) == 0xfffe;
    }

    private static String stripSemicolon(String digits) {
        return digits.endsWith(";") ? digits.substring(0, digits.length() - 1) : digits;
    }

    private static Map<String, String> readNamed() {
        Map<String, String> named = new HashMap<>();
        try (InputStream in = Objects.requireNonNull(HtmlEntities.class.getResourceAsStream("html5-entities.txt"),
                "html5-entities.txt resource");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                StringBuilder value = new StringBuilder();
                for (String hex : line.substring(tab + 1).split(" ")) {
                    value.appendCodePoint(Integer.parseInt(hex, 16));
                }
                named.put(line.substring(0, tab), value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(named);
    }
}
