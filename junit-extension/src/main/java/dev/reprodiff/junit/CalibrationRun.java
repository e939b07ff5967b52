package dev.reprodiff.junit;

import dev.reprodiff.golden.CalibrationVariation;
import dev.reprodiff.golden.GoldenMode;
import dev.reprodiff.golden.GoldenProperties;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Optional;

/**
 * The calibration run a test JVM belongs to, as {@code reprodiff:calibrate} hands it over (system properties through
 * Surefire): its number and its variation. Only in {@code calibrate} mode.
 */
record CalibrationRun(int run, CalibrationVariation variation) {

    /** The run, when {@value GoldenProperties#MODE} is {@code calibrate}. */
    static Optional<CalibrationRun> of(ExtensionContext context) {
        boolean calibrating = Config.get(context, GoldenProperties.MODE)
                .filter(GoldenMode.CALIBRATE.value()::equals).isPresent();
        if (!calibrating) {
            return Optional.empty();
        }
        int run = Config.get(context, GoldenProperties.CALIBRATE_RUN).isPresent()
                ? number(context, GoldenProperties.CALIBRATE_RUN, 1) : 1;
        Integer threads = Config.get(context, GoldenProperties.CALIBRATE_THREADS).isPresent()
                ? number(context, GoldenProperties.CALIBRATE_THREADS, 1) : null;
        boolean deterministic = Config.get(context, GoldenProperties.CALIBRATE_DETERMINISTIC).isEmpty()
                || Config.flag(context, GoldenProperties.CALIBRATE_DETERMINISTIC);
        return Optional.of(new CalibrationRun(run, new CalibrationVariation(
                Config.get(context, GoldenProperties.CALIBRATE_VARIATION).orElse(CalibrationVariation.DEFAULT.name()),
                threads, !Config.flag(context, GoldenProperties.GENERATOR_SCALAR), deterministic)));
    }

    /** Whether this is the calibration run that switches {@code @Deterministic} off. */
    static boolean deterministicOff(ExtensionContext context) {
        return of(context).map(r -> !r.variation().deterministic()).orElse(false);
    }

    private static int number(ExtensionContext context, String key, int min) {
        String value = Config.get(context, key).orElseThrow();
        try {
            int n = Integer.parseInt(value);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ExtensionConfigurationException("Invalid " + key + " \"" + value + "\": expected an integer >= "
                + min);
    }
}
