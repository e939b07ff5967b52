package dev.reprodiff.junit;

import java.util.Locale;

/** An {@code |actual - golden| <= atol + rtol * |golden|} rule and where it came from, for the failure message. */
record Tolerance(double atol, double rtol, String source) {

    static Tolerance exact(String source) {
        return new Tolerance(0, 0, source);
    }

    /** {@code torch.testing.assert_close}'s defaults for a dtype. */
    static Tolerance defaultFor(String dtype) {
        String source = "torch.testing.assert_close's default for " + dtype;
        switch (dtype) {
            case "float64":
                return new Tolerance(1e-7, 1e-7, source);
            case "float16":
                return new Tolerance(1e-5, 1e-3, source);
            case "bfloat16":
                return new Tolerance(1e-5, 1.6e-2, source);
            default:
                return new Tolerance(1e-5, 1.3e-6, "torch.testing.assert_close's default for float32");
        }
    }

    boolean isExact() {
        return atol == 0 && rtol == 0;
    }

    /** {@code |actual - golden| <= 1.0e-05 + 1.3e-06 * |golden|}, or {@code |actual - golden| = 0}. */
    String rule() {
        return isExact() ? "|actual - golden| = 0"
                : String.format(Locale.ROOT, "|actual - golden| <= %.1e + %.1e * |golden|", atol, rtol);
    }
}
