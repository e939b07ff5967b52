package dev.reprodiff.text;

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
        return lower(strip(collapseWhitespace(cleaned)));
    }

    /**
     * {@code regex.sub(r"\s+", " ", text)}: openai and transformers use the {@code regex} module, whose {@code \s}
     * is Unicode's White_Space, not Python's {@code str.isspace} (which adds U+001C-U+001F).
     */
    static String collapseWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inRun = false;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            i += Character.charCount(codePoint);
            if (isWhiteSpace(codePoint)) {
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

    /**
     * Python's {@code str.lower()}: each code point's lower-case mapping ({@code İ} becomes {@code i} plus a combining
     * dot), and capital sigma as final {@code ς} when a cased letter precedes it and none follows, case-ignorable
     * characters skipped, as Unicode defines Final_Sigma. Java's {@code toLowerCase} decides final sigma by word
     * boundaries instead, which differs after characters such as {@code &}.
     */
    static String lower(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            if (codePoint == 0x130) {
                out.append("i\u0307");
            } else if (codePoint == 0x3a3) {
                out.append(isFinalSigma(text, i) ? '\u03c2' : '\u03c3');
            } else {
                out.appendCodePoint(Character.toLowerCase(codePoint));
            }
            i += Character.charCount(codePoint);
        }
        return out.toString();
    }

    private static boolean isFinalSigma(String text, int index) {
        int before = index;
        int codePoint = 0;
        while (before > 0) {
            codePoint = text.codePointBefore(before);
            before -= Character.charCount(codePoint);
            if (!isCaseIgnorable(codePoint)) {
                break;
            }
        }
        if (index == 0 || isCaseIgnorable(codePoint) || !isCased(codePoint)) {
            return false;
        }
        for (int after = index + 1; after < text.length(); ) {
            codePoint = text.codePointAt(after);
            after += Character.charCount(codePoint);
            if (!isCaseIgnorable(codePoint)) {
                return !isCased(codePoint);
            }
        }
        return true;
    }

    private static boolean isCased(int codePoint) {
        return Character.isLowerCase(codePoint) || Character.isUpperCase(codePoint) || Character.isTitleCase(codePoint);
    }

    /** Unicode's Case_Ignorable: marks, format characters, modifiers, and the word-internal punctuation. */
    private static boolean isCaseIgnorable(int codePoint) {
        switch (Character.getType(codePoint)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL:
                return true;
            default:
                return "'.:\u00b7\u0387\u055f\u05f4\u2018\u2019\u2024\u2027\ufe13\ufe52\ufe55\uff07\uff0e\uff1a"
                        .indexOf(codePoint) >= 0;
        }
    }

    /** Python's {@code str.strip()}, which strips {@link #isSpace} characters. */
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

    /** Unicode's White_Space property: {@link #isSpace} without the information separators U+001C-U+001F. */
    static boolean isWhiteSpace(int codePoint) {
        return isSpace(codePoint) && !(codePoint >= 0x1c && codePoint <= 0x1f);
    }
}
