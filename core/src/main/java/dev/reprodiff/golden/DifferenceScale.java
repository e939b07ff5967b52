package dev.reprodiff.golden;

/**
 * The one colour scale of difference maps, absolute and logarithmic, so that the same colour means the same
 * {@code |actual - golden|} in every map and every report: black for 0, then from dark red at {@value #MIN_EXPONENT}
 * decades through red to yellow at {@value #MAX_EXPONENT}; NaN and infinite differences are white. The report's
 * legend draws the same scale, with the golden's tolerance marked on it.
 */
public final class DifferenceScale {

    /** The exponent of the smallest difference with a colour of its own, {@code 1e-9}. */
    public static final int MIN_EXPONENT = -9;

    /** The exponent at and above which differences are yellow, {@code 1e0}. */
    public static final int MAX_EXPONENT = 0;

    private DifferenceScale() {
    }

    /** Where {@code difference} lies on the scale, 0 (at or below 1e-9) to 1 (at or above 1); 0 for 0. */
    public static double position(double difference) {
        if (!(difference > 0)) {
            return 0;
        }
        double t = (Math.log10(difference) - MIN_EXPONENT) / (MAX_EXPONENT - MIN_EXPONENT);
        return Math.max(0, Math.min(1, t));
    }

    /** The RGB colour of {@code difference}: black for 0, white for NaN or infinity. */
    public static int rgb(double difference) {
        if (Double.isNaN(difference) || Double.isInfinite(difference)) {
            return 0xffffff;
        }
        if (difference == 0) {
            return 0;
        }
        return rgbAt(position(difference));
    }

    /** The colour at position {@code t} in [0, 1]: dark red (at 0, not black) through red (0.5) to yellow (1). */
    public static int rgbAt(double t) {
        double clamped = Math.max(0, Math.min(1, t));
        int red = (int) Math.round((0.25 + 0.75 * Math.min(1, 2 * clamped)) * 255);
        int green = (int) Math.round(Math.max(0, 2 * clamped - 1) * 255);
        return (red << 16) | (green << 8);
    }
}
