package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenProperties;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Seeds a test: injects torch-exact {@link dev.reprodiff.random.Generator}s, reports the seeds, and names them in
 * every failure together with the command that replays the test.
 *
 * <pre>{@code
 * @Test
 * @Seeded(0)
 * void ddimIsReproducible(Generator generator) { ... }
 *
 * @Test
 * @Seeded({0, 1, 2, 3})
 * void batchOfFour(List<Generator> generators) { ... }      // one independent generator per seed, in order
 *
 * @Test
 * @Seeded                                                    // unfixed: a random seed, always reported
 * void anySeedWorks(Generator generator, @Seeded long seed) { ... }
 * }</pre>
 *
 * <h2>What is injected</h2>
 * <ul>
 *   <li>{@code Generator}: a generator seeded with the test's only seed (a test with several seeds must declare
 *       {@code List<Generator>} instead);</li>
 *   <li>{@code List<Generator>}: one independent generator per seed, in the order of the seeds, as diffusers' guide
 *       recommends for deterministic batch generation; the list's first element is the {@code Generator}
 *       parameter's instance;</li>
 *   <li>a {@code long} parameter annotated {@code @Seeded} (without a value): the only seed; a {@code long[]}
 *       parameter annotated {@code @Seeded}: all seeds. The parameter must be annotated so that it never competes
 *       with {@code @ParameterizedTest} arguments.</li>
 * </ul>
 * Generators are created for every test invocation (every repetition of a {@code @RepeatedTest}, every
 * {@code @ParameterizedTest} invocation) and never shared between invocations; parameters of one invocation
 * (including {@code @BeforeEach} methods) share them.
 *
 * <h2>Seed resolution</h2>
 * <ol>
 *   <li>The nearest {@code @Seeded} annotation decides: the test method's, else the test class's, else that of the
 *       enclosing classes of a {@code @Nested} class, innermost first. If it has a value, those are the seeds
 *       (<em>fixed</em> seeds; the configuration parameter does not change them).</li>
 *   <li>Otherwise (no value, or {@code @Seeded} only on a parameter) the configuration parameter
 *       {@value #SEED_PROPERTY} (a JUnit configuration parameter, or a JVM system property such as
 *       {@code -Dreprodiff.seed=42}; a comma-separated list for several seeds) gives the seeds: this replays a
 *       failing run.</li>
 *   <li>Otherwise one random seed is drawn for each invocation and reported. With the configuration parameter
 *       {@value #REQUIRE_FIXED_PROPERTY}{@code =true} (for CI) an unfixed seed is an error instead.</li>
 * </ol>
 *
 * <h2>Reporting</h2>
 * The seeds are published as report entries {@value #SEED_PROPERTY} (comma-separated) and
 * {@code reprodiff.seed.source}, and appended to the message of any exception that fails the test, with the Maven
 * command that replays it.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith({SeededExtension.class, GoldenExtension.class})
public @interface Seeded {

    /** The configuration parameter that gives the seeds of tests without fixed seeds: {@value}. */
    String SEED_PROPERTY = GoldenProperties.SEED;

    /** The configuration parameter that, when {@code true}, makes an unfixed seed an error: {@value}. */
    String REQUIRE_FIXED_PROPERTY = GoldenProperties.SEED_REQUIRE_FIXED;

    /** The seeds; empty for an unfixed seed (see the resolution order above). Empty on a parameter. */
    long[] value() default {};
}
