package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenProperties;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Enables golden tensors for a test class or method: injects {@link Golden}, and makes
 * {@link ReproAssertions#assertThatTensor} {@code .matchesGolden(name)} work. {@link Seeded} and
 * {@link Deterministic} enable it too.
 *
 * <h2>Modes</h2>
 * {@value #MODE_PROPERTY} (a JUnit configuration parameter or a JVM system property) is one of
 * <ul>
 *   <li>{@code verify} (the default): compare with the recorded golden; a missing golden fails and says how to
 *       record it;</li>
 *   <li>{@code record}: write (or overwrite) the golden from this run, when the test passes;</li>
 *   <li>{@code record-missing}: write goldens that do not exist yet, verify the others.</li>
 * </ul>
 * A recorded golden is staged while the test runs and written when the test has passed (its extension context
 * closes with no execution exception). Two invocations recording one golden in one run are refused, and so are
 * NaN and infinite values unless {@value #ALLOW_NON_FINITE_PROPERTY}{@code =true}. When the environment variable
 * {@code CI} is set to anything but an empty value, {@code false} or {@code 0} (or the parameter
 * {@value #CI_PROPERTY} is), nothing is ever written unless {@value #FORCE_RECORD_PROPERTY}{@code =true}: a missing
 * golden fails instead.
 *
 * <h2>Layout</h2>
 * Goldens live in {@value #DIR_PROPERTY}, by default {@value #DEFAULT_DIR} (relative to the working directory,
 * which Surefire sets to the module's folder). A golden named {@code ddim/tiny} is
 * <ul>
 *   <li>{@code ddim/tiny.json}: the manifest (provenance of each recorded variant: test, seeds, dtype, shape, the
 *       SHA-256 and CRC32C of the tensor file, the platform: OS, CPU, device, libtorch and DJL versions, threads, the
 *       determinism flags in force);</li>
 *   <li>{@code ddim/tiny.<16 hex digits>.safetensors}: the default variant, one float32 tensor named {@code golden}
 *       (or {@code trajectory}, steps first), named by the start of its SHA-256, so that re-recording writes a new
 *       file, switches the manifest to it in one atomic rename, and only then removes the old one;</li>
 *   <li>{@code ddim/tiny@cpu.<hex>.safetensors}, {@code ddim/tiny@gpu-nvidia-h200.<hex>.safetensors}: variants
 *       recorded with {@value #RECORD_AS_PROPERTY}{@code =device-type} or {@code device} (or the explicit key of
 *       {@value #VARIANT_PROPERTY}). Verification picks the best match: the explicit key, this device, then this
 *       device type, then the default, and says which it used.</li>
 * </ul>
 * Recordings in one folder hold its lock ({@code .reprodiff.lock}) across threads and JVMs, so that forks recording
 * variants of one golden lose none. A {@code tolerances.json} in the golden folder sets the tolerance per pair of
 * platforms and per golden (see the module's README); without it, tolerances are
 * {@code torch.testing.assert_close}'s defaults for the dtype. On a mismatch the actual tensor, and for image-shaped
 * tensors expected, actual and difference PNGs, go to {@value #ARTIFACTS_PROPERTY} (default
 * {@value #DEFAULT_ARTIFACTS_DIR}), with a result file per golden for the Maven plugin's report.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(GoldenExtension.class)
public @interface Goldens {

    /** The golden folder: {@value}. */
    String DIR_PROPERTY = GoldenProperties.DIR;

    /** The default golden folder: {@value}. */
    String DEFAULT_DIR = GoldenProperties.DEFAULT_DIR;

    /** verify, record or record-missing: {@value}. */
    String MODE_PROPERTY = GoldenProperties.MODE;

    /** Which variant recording writes (default, device-type or device): {@value}. */
    String RECORD_AS_PROPERTY = GoldenProperties.RECORD_AS;

    /**
     * An explicit variant key, such as {@code cpu-avx2}: recording writes it (instead of what
     * {@value #RECORD_AS_PROPERTY} says) and verification picks it first: {@value}.
     */
    String VARIANT_PROPERTY = GoldenProperties.VARIANT;

    /** Allows recording a golden that holds NaN or infinite values: {@value}. */
    String ALLOW_NON_FINITE_PROPERTY = GoldenProperties.ALLOW_NON_FINITE;

    /**
     * The tolerance profile, a file in the golden folder: {@value}; by default {@code tolerances.json}. The
     * {@code cuda} Maven profile selects {@code tolerances-cuda.json}.
     */
    String TOLERANCES_PROPERTY = GoldenProperties.TOLERANCES;

    /** Allows recording on CI: {@value}. */
    String FORCE_RECORD_PROPERTY = GoldenProperties.FORCE_RECORD;

    /** Overrides the {@code CI} environment variable: {@value}. */
    String CI_PROPERTY = GoldenProperties.CI;

    /** Where failures leave their artifacts: {@value}. */
    String ARTIFACTS_PROPERTY = GoldenProperties.ARTIFACTS_DIR;

    /** The default artifacts folder: {@value}. */
    String DEFAULT_ARTIFACTS_DIR = GoldenProperties.DEFAULT_ARTIFACTS_DIR;

    /** When {@code true}, passing comparisons leave artifacts (actual tensor, PNGs) too: {@value}. */
    String ARTIFACTS_ALWAYS_PROPERTY = GoldenProperties.ARTIFACTS_ALWAYS;
}
