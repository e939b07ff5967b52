package dev.reprodiff.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;
import java.util.Objects;

/**
 * Where the random numbers of a pipeline call come from, as one value that the call decides once and hands to every
 * scheduler step:
 * <ul>
 *   <li>{@link #of(Generator)}: one generator draws the whole batch, as diffusers' {@code generator=g};</li>
 *   <li>{@link #perImage(List)}: one generator per image, as {@code generator=[g0, g1, ...]}, so that image i equals
 *       the image its generator draws alone;</li>
 *   <li>{@link #fresh()}: no generator. The call draws a seed from a non-deterministic source when it starts and
 *       reports it ({@link Seeded#seeds()}), so a run made without a seed can still be replayed, which diffusers'
 *       global random state cannot do.</li>
 * </ul>
 *
 * <p>{@link #forBatch(Shape)} checks the noise against the batch and draws the seed of fresh noise; what it returns
 * is the {@link Seeded} noise that the call's initial latents and every stochastic step draw from:
 *
 * <pre>{@code
 * Noise.Seeded noise = Noise.fresh().forBatch(new Shape(4, 3, 32, 32));   // draws and remembers one seed
 * NDArray latents = noise.randn(new Shape(4, 3, 32, 32), DataType.FLOAT32, manager);
 * long seed = noise.seeds().get(0);                                      // Noise.of(Generator.seeded(seed)) replays it
 * }</pre>
 */
public sealed interface Noise permits Noise.Seeded, Noise.Fresh {

    /** One generator for the whole batch: {@code randn_tensor(shape, generator)} draws the batch at once. */
    static Batch of(Generator generator) {
        return new Batch(generator);
    }

    /** One generator per image: each draws its image's {@code (1, ...)} slice, as {@code randn_tensor} with a list. */
    static PerImage perImage(List<Generator> generators) {
        return new PerImage(generators);
    }

    /** No generator: one is seeded from a non-deterministic source when the call starts, and its seed reported. */
    static Fresh fresh() {
        return Fresh.INSTANCE;
    }

    /**
     * This noise for a batch of {@code shape} (batch first): a list of generators is checked against the batch size,
     * and fresh noise draws its seed now. A call does this once, when it starts.
     *
     * @throws IllegalArgumentException if a list of generators does not have one generator per image
     */
    Seeded forBatch(Shape shape);

    /** Noise whose generators exist, and so whose seeds are known: what a call's latents and steps draw from. */
    sealed interface Seeded extends Noise permits Batch, PerImage {

        /**
         * diffusers' {@code randn_tensor(shape, generator)}: standard normal samples of {@code shape}, from the one
         * generator or from one generator per batch item, on {@code manager}.
         */
        NDArray randn(Shape shape, DataType dataType, NDManager manager);

        /**
         * The seeds the generators were seeded with ({@link Generator#initialSeed()}, unsigned 64-bit values), one
         * per generator. They replay the call when its generators had not drawn before it, as fresh noise's has not.
         */
        List<Long> seeds();
    }

    /** One generator for the whole batch. */
    record Batch(Generator generator) implements Seeded {

        public Batch {
            Objects.requireNonNull(generator, "generator");
        }

        @Override
        public Batch forBatch(Shape shape) {
            return this;
        }

        @Override
        public NDArray randn(Shape shape, DataType dataType, NDManager manager) {
            return RandomTensors.randnTensor(shape, generator, dataType, manager);
        }

        @Override
        public List<Long> seeds() {
            return List.of(generator.initialSeed());
        }
    }

    /** One generator per image, in batch order. */
    record PerImage(List<Generator> generators) implements Seeded {

        public PerImage {
            generators = List.copyOf(generators);   // refuses null elements
            if (generators.isEmpty()) {
                throw new IllegalArgumentException("Noise.perImage needs one generator per image, but got none;"
                        + " use Noise.fresh() for a call without generators");
            }
        }

        @Override
        public PerImage forBatch(Shape shape) {
            RandomTensors.requireOneGeneratorPerImage(shape, generators.size());
            return this;
        }

        @Override
        public NDArray randn(Shape shape, DataType dataType, NDManager manager) {
            return RandomTensors.randnTensor(shape, generators, dataType, manager);
        }

        @Override
        public List<Long> seeds() {
            return generators.stream().map(Generator::initialSeed).toList();
        }
    }

    /** No generator yet: {@link #forBatch} seeds one from a non-deterministic source. */
    final class Fresh implements Noise {

        private static final Fresh INSTANCE = new Fresh();

        private Fresh() {
        }

        @Override
        public Batch forBatch(Shape shape) {
            Generator generator = new Generator();
            generator.seed();
            return new Batch(generator);
        }

        @Override
        public String toString() {
            return "Noise.fresh()";
        }
    }
}
