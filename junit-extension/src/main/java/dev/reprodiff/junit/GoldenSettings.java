package dev.reprodiff.junit;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The golden configuration of a run, read from configuration parameters and the environment. */
record GoldenSettings(Path dir, Mode mode, boolean ci, boolean forceRecord, RecordAs recordAs, Path artifacts) {

    enum Mode {
        VERIFY("verify"), RECORD("record"), RECORD_MISSING("record-missing");

        final String value;

        Mode(String value) {
            this.value = value;
        }
    }

    enum RecordAs {
        DEFAULT("default"), DEVICE_TYPE("device-type"), DEVICE("device");

        final String value;

        RecordAs(String value) {
            this.value = value;
        }
    }

    static GoldenSettings from(ExtensionContext context) {
        boolean ci = Config.get(context, Goldens.CI_PROPERTY).or(() -> java.util.Optional.ofNullable(
                System.getenv("CI"))).map("true"::equalsIgnoreCase).orElse(false);
        return new GoldenSettings(Path.of(Config.get(context, Goldens.DIR_PROPERTY).orElse(Goldens.DEFAULT_DIR)),
                Config.get(context, Goldens.MODE_PROPERTY).map(v -> parse(Goldens.MODE_PROPERTY, v, Mode.values()))
                        .orElse(Mode.VERIFY), ci, Config.flag(context, Goldens.FORCE_RECORD_PROPERTY),
                Config.get(context, Goldens.RECORD_AS_PROPERTY)
                        .map(v -> parse(Goldens.RECORD_AS_PROPERTY, v, RecordAs.values())).orElse(RecordAs.DEFAULT),
                Path.of(Config.get(context, Goldens.ARTIFACTS_PROPERTY).orElse(Goldens.DEFAULT_ARTIFACTS_DIR)));
    }

    /** Writing is allowed unless this is CI and recording was not forced. */
    boolean mayWrite() {
        return !ci || forceRecord;
    }

    private static <E extends Enum<E>> E parse(String key, String value, E[] values) {
        for (E candidate : values) {
            if (valueOf(candidate).equals(value)) {
                return candidate;
            }
        }
        throw new ExtensionConfigurationException("Invalid " + key + " \"" + value + "\"; expected one of "
                + Arrays.stream(values).map(GoldenSettings::valueOf).collect(Collectors.joining(", ")));
    }

    private static String valueOf(Enum<?> e) {
        return e instanceof Mode m ? m.value : ((RecordAs) e).value;
    }
}
