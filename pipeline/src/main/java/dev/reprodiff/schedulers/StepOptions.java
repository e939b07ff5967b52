package dev.reprodiff.schedulers;

import dev.reprodiff.random.Generator;

import java.util.List;

/**
 * The optional arguments of {@link Scheduler#step}, with diffusers' defaults: {@code eta} 0, no generator (the
 * stochastic schedulers then draw from a fresh unseeded generator), {@code use_clipped_model_output} false.
 *
 * @param eta DDIM's weight of the noise added at each step (0 is deterministic DDIM, 1 is DDPM-like)
 * @param generator one generator for the whole batch, or {@code null}
 * @param generators one generator per batch item, or {@code null}
 * @param useClippedModelOutput DDIM: recompute the model output from the clipped x_0
 */
public record StepOptions(double eta, Generator generator, List<Generator> generators,
                          boolean useClippedModelOutput) {

    public StepOptions {
        if (generator != null && generators != null) {
            throw new IllegalArgumentException("Pass either one generator or a list of generators, not both");
        }
        generators = generators == null ? null : List.copyOf(generators);
    }

    /** No options: diffusers' defaults. */
    public static StepOptions defaults() {
        return new StepOptions(0.0, null, null, false);
    }

    public StepOptions withEta(double newEta) {
        return new StepOptions(newEta, generator, generators, useClippedModelOutput);
    }

    public StepOptions withGenerator(Generator newGenerator) {
        return new StepOptions(eta, newGenerator, null, useClippedModelOutput);
    }

    public StepOptions withGenerators(List<Generator> newGenerators) {
        return new StepOptions(eta, null, newGenerators, useClippedModelOutput);
    }

    public StepOptions withUseClippedModelOutput(boolean clipped) {
        return new StepOptions(eta, generator, generators, clipped);
    }
}
