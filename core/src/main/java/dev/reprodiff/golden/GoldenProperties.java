package dev.reprodiff.golden;

import java.util.Locale;

/**
 * The names of reprodiff's settings, shared by the JUnit extension (which reads them as configuration parameters or
 * system properties), the Maven plugin (which passes them to the test JVMs through Surefire) and the documentation.
 * The extension's annotations expose them as their own constants ({@code Goldens.DIR_PROPERTY} is {@link #DIR}).
 */
public final class GoldenProperties {

    /** The golden folder: {@value}. */
    public static final String DIR = "reprodiff.golden.dir";

    /** The default golden folder, relative to the module: {@value}. */
    public static final String DEFAULT_DIR = "src/test/resources/goldens";

    /** verify, record, record-missing or calibrate ({@link GoldenMode}): {@value}. */
    public static final String MODE = "reprodiff.golden.mode";

    /** Which variant recording writes ({@link RecordAs}: default, device-type or device): {@value}. */
    public static final String RECORD_AS = "reprodiff.golden.recordAs";

    /** An explicit variant key that recording writes and verification prefers, over {@link #RECORD_AS}: {@value}. */
    public static final String VARIANT = "reprodiff.golden.variant";

    /** The tolerance profile, a file in the golden folder: {@value}. */
    public static final String TOLERANCES = "reprodiff.golden.tolerances";

    /** The default tolerance profile: {@value}. */
    public static final String DEFAULT_TOLERANCES = "tolerances.json";

    /** Allows recording on CI: {@value}. */
    public static final String FORCE_RECORD = "reprodiff.golden.forceRecord";

    /** Allows recording a golden that holds NaN or infinite values: {@value}. */
    public static final String ALLOW_NON_FINITE = "reprodiff.golden.allowNonFinite";

    /** The size above which {@code reprodiff:record} warns about a golden, such as {@code 10MiB}: {@value}. */
    public static final String SIZE_BUDGET = "reprodiff.golden.sizeBudget";

    /** The default size budget: {@value}. */
    public static final String DEFAULT_SIZE_BUDGET = "10MiB";

    /** Overrides the {@code CI} environment variable ({@link #isCi}): {@value}. */
    public static final String CI = "reprodiff.ci";

    /** The environment variable that CI systems set: {@value}. */
    public static final String CI_ENVIRONMENT_VARIABLE = "CI";

    /** Where results and failure artifacts go: {@value}. */
    public static final String ARTIFACTS_DIR = "reprodiff.artifacts.dir";

    /** The default artifacts folder, relative to the module: {@value}. */
    public static final String DEFAULT_ARTIFACTS_DIR = "target/reprodiff";

    /** When {@code true}, passing comparisons leave their artifacts (actual tensor, PNGs) too: {@value}. */
    public static final String ARTIFACTS_ALWAYS = "reprodiff.artifacts.always";

    /**
     * The run that test JVMs belong to, so that the forks of one Surefire run merge what they read and refuse one
     * golden recorded twice: {@value}. {@code reprodiff:record} sets it; without it each run is told apart by its
     * Maven process.
     */
    public static final String RUN_ID = "reprodiff.run.id";

    /** The seeds of tests without fixed seeds: {@value}. */
    public static final String SEED = "reprodiff.seed";

    /** When {@code true}, an unfixed seed is an error: {@value}. */
    public static final String SEED_REQUIRE_FIXED = "reprodiff.seed.requireFixed";

    /** How many times {@code reprodiff:calibrate} runs the tests: {@value}. */
    public static final String CALIBRATE_RUNS = "reprodiff.calibrate.runs";

    /** The default number of calibration runs: {@value}. */
    public static final int DEFAULT_CALIBRATE_RUNS = 5;

    /** When {@code true}, {@code reprodiff:calibrate} writes its proposals into the tolerance profile: {@value}. */
    public static final String CALIBRATE_APPLY = "reprodiff.calibrate.apply";

    /** When {@code true}, applying may loosen a tolerance, not only tighten it: {@value}. */
    public static final String CALIBRATE_ALLOW_LOOSEN = "reprodiff.calibrate.allowLoosen";

    /** The factor between the largest observed difference and the proposed tolerance: {@value}. */
    public static final String CALIBRATE_SAFETY_FACTOR = "reprodiff.calibrate.safetyFactor";

    /** The default safety factor: {@value}. */
    public static final String DEFAULT_CALIBRATE_SAFETY_FACTOR = "2";

    /** The calibration file in the golden folder ({@link Calibration}): {@value}. */
    public static final String CALIBRATION_FILE = "reprodiff.calibrate.file";

    /** The default calibration file: {@value}. */
    public static final String DEFAULT_CALIBRATION_FILE = "calibration.json";

    /** The number of the calibration run a test JVM belongs to, 1 for the first; set by the plugin: {@value}. */
    public static final String CALIBRATE_RUN = "reprodiff.calibrate.run";

    /** The name of the calibration run's variation ({@link CalibrationVariation}); set by the plugin: {@value}. */
    public static final String CALIBRATE_VARIATION = "reprodiff.calibrate.variation";

    /** libtorch's intra-op thread count for the tests of a calibration run; set by the plugin: {@value}. */
    public static final String CALIBRATE_THREADS = "reprodiff.calibrate.threads";

    /**
     * {@code false} in the calibration run that switches {@code @Deterministic} off (the tests run with libtorch's
     * defaults); set by the plugin: {@value}.
     */
    public static final String CALIBRATE_DETERMINISTIC = "reprodiff.calibrate.deterministic";

    /** When {@code true}, the Generator draws normals without vector lanes (same numbers): {@value}. */
    public static final String GENERATOR_SCALAR = "reprodiff.generator.scalar";

    /** When {@code true}, golden comparisons run without vector lanes (same verdicts): {@value}. */
    public static final String COMPARISON_SCALAR = "reprodiff.comparison.scalar";

    private GoldenProperties() {
    }

    /**
     * Whether a value of {@code CI} (or {@link #CI}) means CI, as other tools read it: set, unless empty,
     * {@code false} or {@code 0} ({@code CI=true}, {@code CI=1} and {@code CI=yes} are all CI).
     */
    public static boolean isCi(String value) {
        if (value == null) {
            return false;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        return !v.isEmpty() && !v.equals("false") && !v.equals("0");
    }
}
