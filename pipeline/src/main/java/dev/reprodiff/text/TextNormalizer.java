package dev.reprodiff.text;

import java.util.Locale;

/**
 * CLIP's text clean-up before tokenizing, {@code whitespace_clean(basic_clean(text)).lower()} of openai's
 * {@code simple_tokenizer.py}, without {@code ftfy.fix_text} (see {@link CLIPTokenizer}).
 */
final class TextNormalizer {

    private TextNormalizer() {
    }

    static String normalize(String text) {
        // basic_clean: html.unescape twice (text escaped twice on the web), strip
        String cleaned = strip(HtmlEntities.unescape(HtmlEntities.unescape(text)));
        // whitespace_clean: every run of whitespace becomes one space, strip
        return strip(collapseWhitespace(cleaned)).toLowerCase(Locale.ROOT);
    }

    /** Python's {@code re.sub(r"\s+", " ", text)} on a str. */
    static String collapseWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inRun = false;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            if (isSpace(codePoint)) {
                if (!inRun) {
                    out.append(' ');
                }
                inRun = true;
            } else {
                out.appendCodePoint(codePoint);
                inRun = false;
            }
        }
        return out.toString();
    }

    /** Python's {@code str.strip()}. */
    static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isSpace(text.codePointAt(start))) {
            start += Character.charCount(text.codePointAt(start));
        }
        while (end > start && isSpace(text.codePointBefore(end))) {
            end -= Character.charCount(text.codePointBefore(end));
        }
        return text.substring(start, end);
    }

    /**
     * Python's {@code str.isspace()}, which its {@code \s} also uses: Java's whitespace (which leaves out the
     * no-break spaces but has the separators U+001C-U+001F) plus the space separators and U+0085.
     */
    static boolean isSpace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || codePoint == 0x85;
    }
}
