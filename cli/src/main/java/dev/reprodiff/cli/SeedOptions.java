package dev.reprodiff.cli;

import dev.reprodiff.random.Generator;
import dev.reprodiff.random.Noise;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns {@code --seed S[,S...]} into the {@link Noise} of a run: no seed is fresh noise (the run reports the seed it
 * drew), one seed one generator, several seeds one generator per image.
 */
final class SeedOptions {

    private static final String RANGE = "an integer from -9223372036854775808 to 18446744073709551615 (seeds are"
            + " 64-bit; negative ones count from 2^64, as torch.Generator.manual_seed reads them)";

    private SeedOptions() {
    }

    /** The noise the {@code --seed} occurrences ask for; each occurrence may hold comma-separated seeds. */
    static Noise noise(List<String> occurrences) {
        List<Long> seeds = parse(occurrences);
        if (seeds.isEmpty()) {
            return Noise.fresh();
        }
        if (seeds.size() == 1) {
            return Noise.of(Generator.seeded(seeds.get(0)));
        }
        return Noise.perImage(seeds.stream().map(Generator::seeded).toList());
    }

    /**
     * Every seed, in order. A seed is read as the tool prints it (unsigned, up to 2^64 - 1) or as a signed value.
     *
     * @throws IllegalArgumentException for an empty seed ({@code --seed ,}) or text that is not a 64-bit integer
     */
    static List<Long> parse(List<String> occurrences) {
        List<Long> seeds = new ArrayList<>();
        for (String occurrence : occurrences) {
            for (String text : occurrence.split(",", -1)) {
                seeds.add(parseSeed(text.strip(), occurrence));
            }
        }
        return seeds;
    }

    private static long parseSeed(String text, String occurrence) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("--seed " + quote(occurrence) + " has an empty seed: pass --seed S or"
                    + " --seed S1,S2,... with each S " + RANGE + ", or leave --seed out for a fresh seed");
        }
        try {
            return text.startsWith("-") ? Long.parseLong(text) : Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed " + quote(occurrence) + ": " + quote(text) + " is not a seed;"
                    + " expected " + RANGE);
        }
    }

    private static String quote(String text) {
        return "'" + text + "'";
    }

    /** The seeds as the user would type them again: comma-separated, unsigned. */
    static String describe(List<Long> seeds) {
        return seeds.stream().map(Long::toUnsignedString).collect(Collectors.joining(","));
    }
}
