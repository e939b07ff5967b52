package dev.reprodiff.junit;

import dev.reprodiff.golden.ToleranceRule;

import java.util.Locale;

/**
 * An {@code |actual - golden| <= atol + rtol * |golden|} rule and where it came from, for the failure message.
 *
 * @param calibrated the evidence of a rule that {@code reprodiff:calibrate} set, or null for one set by hand
 */
record Tolerance(double atol, double rtol, String source, ToleranceRule.Calibrated calibrated) {

    Tolerance(double atol, double rtol, String source) {
        this(atol, rtol, source, null);
    }

    static Tolerance exact(String source) {
        return new Tolerance(0, 0, source);
    }

    static Tolerance of(ToleranceRule rule) {
        return new Tolerance(rule.atol(), rule.rtol(), rule.source(), rule.calibrated());
    }

    /** {@code torch.testing.assert_close}'s defaults for a dtype. */
    static Tolerance defaultFor(String dtype) {
        return of(ToleranceRule.defaultFor(dtype));
    }

    boolean isExact() {
        return atol == 0 && rtol == 0;
    }

    /** {@code |actual - golden| <= 1.0e-05 + 1.3e-06 * |golden|}, or {@code |actual - golden| = 0}. */
    String rule() {
        return isExact() ? "|actual - golden| = 0"
                : String.format(Locale.ROOT, "|actual - golden| <= %.1e + %.1e * |golden|", atol, rtol);
    }

    /**
     * Where the rule came from and how it was set: {@code tolerances.json: goldens.x.sameCpuModel; calibrated:
     * observed max 1.2e-07 over 5 runs on 2026-12-02}, or {@code ...; hand-set, not calibrated}.
     */
    String provenance() {
        if (Tolerances.EXACT_SOURCE.equals(source)) {
            return source;
        }
        return source + "; " + (calibrated != null ? calibrated.describe() : source.startsWith("torch.testing")
                ? "not calibrated" : "hand-set, not calibrated");
    }
}
