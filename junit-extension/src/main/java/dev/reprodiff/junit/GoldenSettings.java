package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenMode;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.Platform;
import dev.reprodiff.golden.RecordAs;
import dev.reprodiff.golden.RunUsage;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The golden configuration of a run, read once from configuration parameters, system properties and the
 * environment.
 *
 * @param variant an explicit variant key ({@value GoldenProperties#VARIANT}), or null
 * @param partial how the run is narrowed ({@code -Dtest=...}, read like the other settings, so that a blank
 *        configuration parameter {@code test} hides the system property), or null
 */
record GoldenSettings(Path dir, GoldenMode mode, boolean ci, boolean forceRecord, RecordAs recordAs, String variant,
                      boolean allowNonFinite, Path artifacts, boolean artifactsAlways, String tolerances, String run,
                      String partial) {

    private static final Pattern VARIANT_KEY = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    static GoldenSettings from(ExtensionContext context) {
        boolean ci = GoldenProperties.isCi(Config.get(context, Goldens.CI_PROPERTY)
                .orElse(System.getenv(GoldenProperties.CI_ENVIRONMENT_VARIABLE)));
        return new GoldenSettings(Path.of(Config.get(context, Goldens.DIR_PROPERTY).orElse(Goldens.DEFAULT_DIR)),
                Config.get(context, Goldens.MODE_PROPERTY).map(GoldenSettings::mode).orElse(GoldenMode.VERIFY), ci,
                Config.flag(context, Goldens.FORCE_RECORD_PROPERTY),
                Config.get(context, Goldens.RECORD_AS_PROPERTY).map(GoldenSettings::recordAs)
                        .orElse(RecordAs.DEFAULT),
                Config.get(context, Goldens.VARIANT_PROPERTY).map(GoldenSettings::variant).orElse(null),
                Config.flag(context, Goldens.ALLOW_NON_FINITE_PROPERTY),
                Path.of(Config.get(context, Goldens.ARTIFACTS_PROPERTY).orElse(Goldens.DEFAULT_ARTIFACTS_DIR)),
                Config.flag(context, Goldens.ARTIFACTS_ALWAYS_PROPERTY),
                Config.get(context, Goldens.TOLERANCES_PROPERTY).orElse(Tolerances.FILE_NAME),
                Config.get(context, GoldenProperties.RUN_ID).orElseGet(Runs::current),
                RunUsage.partialSelection(key -> Config.get(context, key).orElse(null)));
    }

    /** Writing is allowed unless this is CI and recording was not forced. */
    boolean mayWrite() {
        return !ci || forceRecord;
    }

    /** The variant key recording writes on {@code platform}. */
    String variantOn(Platform platform) {
        return variant != null ? variant : recordAs.variantOn(platform);
    }

    private static GoldenMode mode(String value) {
        return GoldenMode.parse(value).orElseThrow(() -> new ExtensionConfigurationException("Invalid "
                + Goldens.MODE_PROPERTY + " \"" + value + "\"; expected one of " + GoldenMode.valid()));
    }

    private static RecordAs recordAs(String value) {
        return RecordAs.parse(value).orElseThrow(() -> new ExtensionConfigurationException("Invalid "
                + Goldens.RECORD_AS_PROPERTY + " \"" + value + "\"; expected one of " + RecordAs.valid()
                + " (or an explicit key in " + Goldens.VARIANT_PROPERTY + ")"));
    }

    private static String variant(String value) {
        if (!VARIANT_KEY.matcher(value).matches()) {
            throw new ExtensionConfigurationException("Invalid " + Goldens.VARIANT_PROPERTY + " \"" + value
                    + "\"; expected a variant key of lower-case letters, digits and '-', such as \"cpu-avx2\"");
        }
        return value;
    }

    /** The run id of this JVM when no one set {@value GoldenProperties#RUN_ID}. */
    static final class Runs {

        private static final String CURRENT = derive();

        private Runs() {
        }

        static String current() {
            return CURRENT;
        }

        /**
         * Under Surefire or Failsafe every fork of one Maven run descends from the Maven JVM (through a shell per fork
         * on Unix), whose pid and start time tell the runs apart; anywhere else this JVM is a run of its own.
         */
        private static String derive() {
            ProcessHandle self = ProcessHandle.current();
            ProcessHandle run = System.getProperty("surefire.test.class.path") == null ? self
                    : nearestJavaAncestor(self).orElse(self);
            return "pid" + run.pid() + "-" + run.info().startInstant().map(i -> Long.toString(i.toEpochMilli()))
                    .orElse("0");
        }

        private static Optional<ProcessHandle> nearestJavaAncestor(ProcessHandle self) {
            Optional<ProcessHandle> ancestor = self.parent();
            for (int level = 0; level < 3 && ancestor.isPresent(); level++) {
                String command = ancestor.get().info().command().orElse("");
                if (Path.of(command).getFileName() != null
                        && Path.of(command).getFileName().toString().startsWith("java")) {
                    return ancestor;
                }
                ancestor = ancestor.get().parent();
            }
            return Optional.empty();
        }
    }
}
