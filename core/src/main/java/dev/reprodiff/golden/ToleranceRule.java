package dev.reprodiff.golden;

import java.util.Locale;

/**
 * An {@code |actual - golden| <= atol + rtol * |golden|} rule, where it came from, and, for a rule that
 * {@code reprodiff:calibrate} wrote, the evidence behind it.
 *
 * @param source where the rule came from, for messages: {@code tolerances.json: platforms.otherCpu}
 * @param calibrated the calibration that proposed it, or null for a rule set by hand (or a dtype's default)
 */
public record ToleranceRule(double atol, double rtol, String source, Calibrated calibrated) {

    /**
     * The evidence of a calibrated rule, as {@code tolerances.json} keeps it beside the rule.
     *
     * @param observedMax the largest L-infinity observed over the calibration's runs
     * @param runs how many runs observed it
     * @param date the day of the calibration ({@code 2026-12-02})
     */
    public record Calibrated(double observedMax, int runs, String date) {

        /** {@code calibrated: observed max 1.7e-06 over 5 runs on 2026-12-02}. */
        public String describe() {
            return String.format(Locale.ROOT, "calibrated: observed max %.1e over %d %s on %s", observedMax, runs,
                    runs == 1 ? "run" : "runs", date);
        }
    }

    /** {@code torch.testing.assert_close}'s defaults for a dtype. */
    public static ToleranceRule defaultFor(String dtype) {
        String source = "torch.testing.assert_close's default for " + dtype;
        return switch (dtype) {
            case "float64" -> new ToleranceRule(1e-7, 1e-7, source, null);
            case "float16" -> new ToleranceRule(1e-5, 1e-3, source, null);
            case "bfloat16" -> new ToleranceRule(1e-5, 1.6e-2, source, null);
            default -> new ToleranceRule(1e-5, 1.3e-6, "torch.testing.assert_close's default for float32", null);
        };
    }

    /** How the rule was set, for messages: the calibration's evidence, or {@code hand-set}. */
    public String provenance() {
        return calibrated != null ? calibrated.describe() : "hand-set, not calibrated";
    }

    /** {@code atol 1.0e-05, rtol 1.3e-06}. */
    public String describe() {
        return String.format(Locale.ROOT, "atol %.1e, rtol %.1e", atol, rtol);
    }
}
