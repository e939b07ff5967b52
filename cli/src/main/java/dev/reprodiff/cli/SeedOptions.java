package dev.reprodiff.cli;

import dev.reprodiff.random.Generator;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Turns {@code --seed S[,S...]} into generators, drawing (and reporting) a fresh seed when none is given. */
final class SeedOptions {

    private SeedOptions() {
    }

    /** One generator per seed, or one freshly seeded generator when {@code seeds} is empty. */
    static List<Generator> generators(List<Long> seeds) {
        List<Generator> generators = new ArrayList<>();
        if (seeds.isEmpty()) {
            Generator generator = new Generator();
            generator.seed();
            generators.add(generator);
        } else {
            seeds.forEach(seed -> generators.add(Generator.seeded(seed)));
        }
        return generators;
    }

    /** The seeds as the user would type them again: comma-separated, unsigned. */
    static String describe(List<Generator> generators) {
        return generators.stream().map(g -> Long.toUnsignedString(g.initialSeed())).collect(Collectors.joining(","));
    }
}
