package dev.reprodiff.junit;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test (or every test of a class) with libtorch in full determinism, as diffusers'
 * {@code enable_full_determinism()} does, and restores the previous settings after it:
 * <ul>
 *   <li>deterministic algorithms on, failing (not warning) on a non-deterministic op;</li>
 *   <li>cuDNN deterministic on, cuDNN benchmarking off, TF32 off for cuBLAS and cuDNN, float32 matmul precision
 *       {@code highest};</li>
 *   <li>DJL's graph-executor optimizer off, and {@link #threads()} intra-op threads.</li>
 * </ul>
 * On a machine with CUDA the test fails unless {@code CUBLAS_WORKSPACE_CONFIG} is {@code :4096:8} or
 * {@code :16:8} (it must be set before the JVM starts).
 *
 * <p>The switches are process-wide, so under parallel execution a {@code @Deterministic} test runs alone: it holds
 * JUnit's global resource lock {@value #LOCK} exclusively, as {@code @Isolated} does, while every other test holds it
 * shared (JUnit gives every test that shared lock). No other test sees the switches, and the platform each golden's
 * manifest records, determinism flags included, is the one its own test ran with. JUnit applies the lock to the
 * whole top-level class of an annotated method, whose tests then run one after another.
 *
 * <p>Goldens compared in a {@code @Deterministic} test on the platform they were recorded on must match exactly
 * (L-infinity 0).
 *
 * <p>{@code @Deterministic(repeat = 2)} runs the test body twice (or more), each time with fresh generators in the
 * state the first run started from, and requires every output that went through {@link Golden} or
 * {@link ReproAssertions} to be bit-identical between runs: a direct test of "same seed, same result". The test
 * instance is shared between runs; {@code @BeforeEach} methods run once.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith({DeterministicExtension.class, GoldenExtension.class})
@ResourceLock(value = Deterministic.LOCK, mode = ResourceAccessMode.READ_WRITE)
public @interface Deterministic {

    /** The JUnit resource lock that {@code @Deterministic} tests hold exclusively: the global one, {@value}. */
    String LOCK = Resources.GLOBAL;

    /** The intra-op thread count during the test (libtorch's CPU reductions round by thread split). */
    int threads() default 1;

    /** How many times to run the body and compare its captured outputs; 1 runs it once. */
    int repeat() default 1;
}
