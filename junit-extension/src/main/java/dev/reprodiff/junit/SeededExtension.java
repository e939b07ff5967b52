package dev.reprodiff.junit;

import dev.reprodiff.random.Generator;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Resolves the seeds of {@link Seeded} tests, injects generators and seeds, and names the seeds in failures. */
final class SeededExtension implements BeforeEachCallback, ParameterResolver, TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {

    private static final Namespace NAMESPACE = Namespace.create(SeededExtension.class);
    private static final String GENERATORS = "generators";
    private static final SecureRandom RANDOM = new SecureRandom();

    @Override
    public void beforeEach(ExtensionContext context) {
        seeds(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Generator.class || isGeneratorList(parameter.getParameter()
                .getParameterizedType()) || parameter.isAnnotated(Seeded.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        Seeds seeds = seeds(context);
        if (parameter.isAnnotated(Seeded.class)) {
            return resolveSeed(parameter, type, seeds);
        }
        List<Generator> generators = generators(context);
        if (type == List.class) {
            return generators;
        }
        if (generators.size() != 1) {
            throw new ParameterResolutionException(SeedMessages.oneGeneratorForSeveralSeeds(parameter, seeds));
        }
        return generators.get(0);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        Optional<Seeds> seeds = InvocationFacts.seeds(context);
        if (seeds.isEmpty() || throwable instanceof ReportsSeeds) {
            throw throwable;
        }
        throw SeedMessages.withSeeds(throwable, seeds.get(), TestCommands.replay(context, seeds.get()));
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        handleTestExecutionException(context, throwable);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        handleTestExecutionException(context, throwable);
    }

    /** The seeds of this invocation, resolved once and published as report entries. */
    static Seeds seeds(ExtensionContext context) {
        // getOrComputeIfAbsent: deprecated in JUnit 6 for computeIfAbsent, which JUnit 5.14 does not have yet.
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(Seeds.class, key -> {
            Seeds seeds = resolveSeeds(context);
            Map<String, String> entries = new LinkedHashMap<>();
            entries.put(Seeded.SEED_PROPERTY, seeds.csv());
            entries.put(Seeded.SEED_PROPERTY + ".source", seeds.source().label);
            context.publishReportEntry(entries);
            InvocationFacts.publishSeeds(context, seeds);
            return seeds;
        }, Seeds.class);
    }

    @SuppressWarnings("unchecked")
    private static List<Generator> generators(ExtensionContext context) {
        // Stored per invocation, so every parameter of one invocation shares them and no two invocations do.
        // getOrComputeIfAbsent: deprecated in JUnit 6 for computeIfAbsent, which JUnit 5.14 does not have yet.
        return (List<Generator>) context.getStore(NAMESPACE).getOrComputeIfAbsent(GENERATORS,
                key -> newGenerators(seeds(context)), List.class);
    }

    static List<Generator> newGenerators(Seeds seeds) {
        List<Generator> generators = new ArrayList<>();
        for (long seed : seeds.values()) {
            generators.add(Generator.seeded(seed));
        }
        return Collections.unmodifiableList(generators);
    }

    private static Object resolveSeed(ParameterContext parameter, Class<?> type, Seeds seeds) {
        Seeded annotation = parameter.findAnnotation(Seeded.class).orElseThrow();
        if (annotation.value().length > 0 || (type != long.class && type != long[].class)) {
            throw new ParameterResolutionException(SeedMessages.badSeedParameter(parameter));
        }
        if (type == long[].class) {
            return seeds.values();
        }
        if (seeds.values().length != 1) {
            throw new ParameterResolutionException(SeedMessages.oneSeedForSeveralSeeds(parameter, seeds));
        }
        return seeds.values()[0];
    }

    private static Seeds resolveSeeds(ExtensionContext context) {
        Optional<Seeded> onMethod = context.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m,
                Seeded.class));
        if (onMethod.isPresent() && onMethod.get().value().length > 0) {
            return new Seeds(onMethod.get().value(), Seeds.Source.METHOD);
        }
        if (onMethod.isEmpty()) {
            Optional<Seeded> onClass = nearestOnClass(context.getTestClass().orElse(null));
            if (onClass.isPresent() && onClass.get().value().length > 0) {
                return new Seeds(onClass.get().value(), Seeds.Source.CLASS);
            }
        }
        Optional<String> configured = Config.get(context, Seeded.SEED_PROPERTY);
        if (configured.isPresent()) {
            return new Seeds(parseSeeds(configured.get()), Seeds.Source.CONFIGURATION);
        }
        if (Config.flag(context, Seeded.REQUIRE_FIXED_PROPERTY)) {
            throw new ExtensionConfigurationException(SeedMessages.unfixedSeedRefused(describe(context)));
        }
        return new Seeds(new long[] {RANDOM.nextInt() & 0xffffffffL}, Seeds.Source.RANDOM);
    }

    /** The test class's {@code @Seeded}, else that of its enclosing classes (for {@code @Nested}), innermost first. */
    private static Optional<Seeded> nearestOnClass(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = Modifier.isStatic(c.getModifiers()) ? null
                : c.getEnclosingClass()) {
            Optional<Seeded> found = AnnotationSupport.findAnnotation(c, Seeded.class);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    static long[] parseSeeds(String csv) {
        String[] parts = csv.split(",");
        long[] seeds = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                seeds[i] = Long.parseLong(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new ExtensionConfigurationException(SeedMessages.badSeedProperty(csv), e);
            }
        }
        return seeds;
    }

    private static String describe(ExtensionContext context) {
        return context.getTestMethod().map(Method::getName).map(m -> context.getRequiredTestClass()
                .getSimpleName() + "#" + m).orElse(context.getDisplayName());
    }

    private static boolean isGeneratorList(Type type) {
        return type instanceof ParameterizedType p && p.getRawType() == List.class
                && p.getActualTypeArguments()[0] == Generator.class;
    }
}
