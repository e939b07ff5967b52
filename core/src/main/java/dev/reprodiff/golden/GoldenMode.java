package dev.reprodiff.golden;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** What golden assertions do, as {@value GoldenProperties#MODE} says. */
public enum GoldenMode {

    /** Compare with the recorded golden; a missing golden fails. */
    VERIFY("verify"),
    /** Write (or overwrite) every golden from this run, when its test passes. */
    RECORD("record"),
    /** Write the goldens that do not exist yet, verify the others. */
    RECORD_MISSING("record-missing"),
    /**
     * Compare with the recorded golden and write what was observed ({@link CalibrationObservation}) instead of
     * failing: {@code reprodiff:calibrate} runs the tests so. Never writes goldens.
     */
    CALIBRATE("calibrate");

    private final String value;

    GoldenMode(String value) {
        this.value = value;
    }

    /** The property value: {@code verify}, {@code record}, {@code record-missing}, {@code calibrate}. */
    public String value() {
        return value;
    }

    /** Whether this mode may write goldens. */
    public boolean records() {
        return this == RECORD || this == RECORD_MISSING;
    }

    public static Optional<GoldenMode> parse(String value) {
        return Arrays.stream(values()).filter(m -> m.value.equals(value)).findFirst();
    }

    /** {@code verify, record, record-missing, calibrate}, for messages. */
    public static String valid() {
        return Arrays.stream(values()).map(GoldenMode::value).collect(Collectors.joining(", "));
    }
}
