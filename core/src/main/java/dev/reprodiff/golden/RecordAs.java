package dev.reprodiff.golden;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which variant of a golden recording writes, as {@value GoldenProperties#RECORD_AS} says. */
public enum RecordAs {

    /** The {@code default} variant, which every platform falls back on. */
    DEFAULT("default"),
    /** The variant of the device type: {@code cpu} or {@code gpu}. */
    DEVICE_TYPE("device-type"),
    /** The variant of this exact device: {@code gpu-nvidia-h200}, {@code cpu-amd-epyc-avx512}. */
    DEVICE("device");

    /** The key of the variant every platform falls back on: {@value}. */
    public static final String DEFAULT_VARIANT = "default";

    private final String value;

    RecordAs(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    /** The variant key this choice gives on {@code platform}. */
    public String variantOn(Platform platform) {
        return switch (this) {
            case DEFAULT -> DEFAULT_VARIANT;
            case DEVICE_TYPE -> platform.deviceType();
            case DEVICE -> platform.deviceKey();
        };
    }

    public static Optional<RecordAs> parse(String value) {
        return Arrays.stream(values()).filter(m -> m.value.equals(value)).findFirst();
    }

    /** {@code default, device-type, device}, for messages. */
    public static String valid() {
        return Arrays.stream(values()).map(RecordAs::value).collect(Collectors.joining(", "));
    }
}
