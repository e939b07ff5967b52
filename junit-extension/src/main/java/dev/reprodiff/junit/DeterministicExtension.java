package dev.reprodiff.junit;

import dev.reprodiff.determinism.Determinism;
import dev.reprodiff.random.Generator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Switches libtorch to full determinism around each {@link Deterministic} test, and repeats it when asked. */
final class DeterministicExtension implements BeforeEachCallback, AfterEachCallback, InvocationInterceptor {

    private static final Namespace NAMESPACE = Namespace.create(DeterministicExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        Deterministic deterministic = annotation(context).orElseThrow();
        if (deterministic.threads() < 1 || deterministic.repeat() < 1) {
            throw new ExtensionConfigurationException(DeterminismMessages.badAttributes(deterministic));
        }
        if (CalibrationRun.deterministicOff(context)) {
            return;   // reprodiff:calibrate's run with @Deterministic off: libtorch's defaults, not a determinism check
        }
        Determinism.requireCublasWorkspaceConfig();
        // Saved before switching, restored in afterEach, as Pioneer's DefaultLocaleExtension does.
        context.getStore(NAMESPACE).put(Determinism.Snapshot.class,
                Determinism.enableFullDeterminism(deterministic.threads()));
        InvocationFacts.publishDeterministic(context);
        context.publishReportEntry("reprodiff.deterministic", new TreeMap<>(Determinism.current().asMap()).toString());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Determinism.Snapshot snapshot = context.getStore(NAMESPACE).remove(Determinism.Snapshot.class,
                Determinism.Snapshot.class);
        if (snapshot != null) {
            snapshot.close();
        }
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext context) throws Throwable {
        repeat(invocation, invocationContext, context);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                            ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext context) throws Throwable {
        repeat(invocation, invocationContext, context);
    }

    private static void repeat(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                               ExtensionContext context) throws Throwable {
        int runs = CalibrationRun.deterministicOff(context) ? 1 : annotation(context).map(Deterministic::repeat)
                .orElse(1);
        if (runs <= 1) {
            invocation.proceed();
            return;
        }
        // The generators' state before the first run: every run starts from a copy of it.
        List<Object> initial = Arrays.asList(copy(invocationContext.getArguments()));
        GoldenSession session = GoldenSession.of(context);
        try (GoldenSession.Binding binding = session.bind()) {
            session.captureGoldens();
            session.takeCaptures();
            invocation.proceed();
            List<GoldenSession.Captured> first = session.takeCaptures();
            if (first.isEmpty()) {
                throw new GoldenAssertionError(DeterminismMessages.nothingCaptured(origin(context), runs));
            }
            for (int run = 2; run <= runs; run++) {
                Object[] fresh = copy(initial);
                ReflectionSupport.invokeMethod(invocationContext.getExecutable(),
                        invocationContext.getTarget().orElse(null), fresh);
                Optional<String> difference = DeterminismMessages.difference(first, session.takeCaptures(), run);
                if (difference.isPresent()) {
                    throw new GoldenAssertionError(DeterminismMessages.notIdentical(origin(context), runs,
                            difference.get()));
                }
            }
        }
    }

    /**
     * Generators, alone or in lists, cloned in their current state (one clone per generator, so that a
     * {@code Generator} parameter stays the first element of a {@code List<Generator>} one); other arguments as is.
     */
    private static Object[] copy(List<Object> arguments) {
        Map<Generator, Generator> clones = new IdentityHashMap<>();
        return arguments.stream().map(argument -> {
            if (argument instanceof Generator generator) {
                return clones.computeIfAbsent(generator, Generator::clone);
            }
            if (argument instanceof List<?> list && !list.isEmpty()
                    && list.stream().allMatch(Generator.class::isInstance)) {
                return List.copyOf(list.stream().map(g -> clones.computeIfAbsent((Generator) g, Generator::clone))
                        .toList());
            }
            return argument;
        }).toArray();
    }

    private static GoldenMessages.Origin origin(ExtensionContext context) {
        Optional<Seeds> seeds = InvocationFacts.seeds(context);
        return new GoldenMessages.Origin(TestCommands.testId(context), seeds.map(Seeds::describe).orElse(null),
                TestCommands.replay(context, seeds.orElse(null)), TestCommands.record(context, seeds.orElse(null)));
    }

    static Optional<Deterministic> annotation(ExtensionContext context) {
        Optional<Deterministic> onMethod = context.getTestMethod()
                .flatMap(m -> AnnotationSupport.findAnnotation(m, Deterministic.class));
        if (onMethod.isPresent()) {
            return onMethod;
        }
        for (Class<?> c = context.getTestClass().orElse(null); c != null;
             c = Modifier.isStatic(c.getModifiers()) ? null : c.getEnclosingClass()) {
            Optional<Deterministic> found = AnnotationSupport.findAnnotation(c, Deterministic.class);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }
}
