package dev.reprodiff.golden;

/**
 * The names of reprodiff's settings, shared by the JUnit extension (which reads them as configuration parameters or
 * system properties), the Maven plugin (which sets them for the test JVM) and the documentation. The extension's
 * annotations expose them as their own constants ({@code Goldens.DIR_PROPERTY} is {@link #DIR}).
 */
public final class GoldenProperties {

    /** The golden folder: {@value}. */
    public static final String DIR = "reprodiff.golden.dir";

    /** The default golden folder, relative to the module: {@value}. */
    public static final String DEFAULT_DIR = "src/test/resources/goldens";

    /** verify, record or record-missing: {@value}. */
    public static final String MODE = "reprodiff.golden.mode";

    /** Which variant recording writes (default, device-type or device): {@value}. */
    public static final String RECORD_AS = "reprodiff.golden.recordAs";

    /** The tolerance profile, a file in the golden folder: {@value}. */
    public static final String TOLERANCES = "reprodiff.golden.tolerances";

    /** The default tolerance profile: {@value}. */
    public static final String DEFAULT_TOLERANCES = "tolerances.json";

    /** Allows recording on CI: {@value}. */
    public static final String FORCE_RECORD = "reprodiff.golden.forceRecord";

    /** Overrides the {@code CI} environment variable: {@value}. */
    public static final String CI = "reprodiff.ci";

    /** Where results and failure artifacts go: {@value}. */
    public static final String ARTIFACTS_DIR = "reprodiff.artifacts.dir";

    /** The default artifacts folder, relative to the module: {@value}. */
    public static final String DEFAULT_ARTIFACTS_DIR = "target/reprodiff";

    /** The seeds of tests without fixed seeds: {@value}. */
    public static final String SEED = "reprodiff.seed";

    /** When {@code true}, an unfixed seed is an error: {@value}. */
    public static final String SEED_REQUIRE_FIXED = "reprodiff.seed.requireFixed";

    private GoldenProperties() {
    }
}
