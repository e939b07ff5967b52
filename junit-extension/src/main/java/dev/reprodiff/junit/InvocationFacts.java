package dev.reprodiff.junit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

import java.util.Optional;

/**
 * The facts of one test invocation that reprodiff's extensions share: each publishes what it decides (the seeds,
 * full determinism), and goldens and messages read them here instead of asking the other extensions.
 */
final class InvocationFacts {

    private static final Namespace NAMESPACE = Namespace.create(InvocationFacts.class);
    private static final String DETERMINISTIC = "deterministic";

    private InvocationFacts() {
    }

    static void publishSeeds(ExtensionContext context, Seeds seeds) {
        context.getStore(NAMESPACE).put(Seeds.class, seeds);
    }

    /** The seeds, if the invocation is seeded (they are resolved before each test). */
    static Optional<Seeds> seeds(ExtensionContext context) {
        return Optional.ofNullable(context.getStore(NAMESPACE).get(Seeds.class, Seeds.class));
    }

    static void publishDeterministic(ExtensionContext context) {
        context.getStore(NAMESPACE).put(DETERMINISTIC, Boolean.TRUE);
    }

    /** Whether the invocation runs with full determinism switched on. */
    static boolean isDeterministic(ExtensionContext context) {
        return context.getStore(NAMESPACE).get(DETERMINISTIC, Boolean.class) != null;
    }
}
