package dev.reprodiff.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A random number generator that draws exactly the numbers {@code torch.Generator("cpu")} draws for the same seed.
 *
 * <p>Like PyTorch's, it is a stateful object: every draw advances it, so passing one generator to two pipelines in a
 * row gives different noise to each. Create one per image when images must be reproducible one by one, as diffusers'
 * guide on reproducible pipelines recommends:
 *
 * <pre>{@code
 * Generator generator = new Generator().manualSeed(0);
 * NDArray noise = generator.randn(manager, new Shape(1, 3, 32, 32));
 * }</pre>
 *
 * <p>What makes it match PyTorch bit for bit:
 * <ul>
 *   <li>the MT19937 engine, keyed on the low 32 bits of the seed while {@link #initialSeed()} reports all 64;</li>
 *   <li>{@code rand}: 24 random bits per float32, 53 bits of two 32-bit draws per float64;</li>
 *   <li>{@code randn} of fewer than 16 elements: double-precision Box-Muller one element at a time, keeping the
 *       second sample of each pair for the next call (also across calls and dtypes);</li>
 *   <li>{@code randn} of 16 or more elements: all uniforms first, then Box-Muller on blocks of 16 (8 radii, 8
 *       angles); a shape that is not a multiple of 16 redraws its last 16 uniforms and recomputes them. float32 uses
 *       the single-precision polynomials of PyTorch's AVX2 kernel (the kernel every x86-64 CPU with AVX2 runs,
 *       AVX-512 machines included), float64 uses double precision.</li>
 * </ul>
 *
 * <p>Instances are thread-safe (each draw holds the generator's lock, as PyTorch's does) but sharing one between
 * threads makes the numbers depend on scheduling; give each thread its own.
 */
public final class Generator implements Cloneable {

    /** The seed of a generator that was never seeded, PyTorch's {@code default_rng_seed_val}. */
    public static final long DEFAULT_SEED = 67280421310721L;

    /** Below this many elements PyTorch's {@code randn} draws element by element; from it on, in blocks of 16. */
    static final int VECTORIZED_THRESHOLD = 16;

    /** Draws run through chunks of this many elements (a multiple of 16), small enough to stay in the L1 cache. */
    static final int CHUNK = 4096;

    private static final double DOUBLE_UNIFORM_SCALE = 1.0 / (1L << 53);
    private static final long DOUBLE_MANTISSA_MASK = (1L << 53) - 1;

    /** Whether float32 normals run on eight-lane vectors (same bits, faster); see {@link #usesVectorLanes()}. */
    private static final boolean VECTOR_LANES = vectorLanesAvailable();

    private long initialSeed;
    private MersenneTwister engine;
    private boolean hasNextNormal;
    private double nextNormal;

    /** A generator seeded with {@link #DEFAULT_SEED}, like {@code torch.Generator()}. */
    public Generator() {
        manualSeed(DEFAULT_SEED);
    }

    /** A generator seeded with {@code seed}: shorthand for {@code new Generator().manualSeed(seed)}. */
    public static Generator seeded(long seed) {
        return new Generator().manualSeed(seed);
    }

    /**
     * Reseeds this generator, as {@code torch.Generator.manual_seed(seed)}: any 64-bit value (read as unsigned,
     * so {@code -1} is {@code 2^64 - 1}); the stream depends on its low 32 bits only.
     *
     * @return this generator
     */
    public synchronized Generator manualSeed(long seed) {
        initialSeed = seed;
        engine = new MersenneTwister(seed);
        hasNextNormal = false;
        nextNormal = 0.0;
        return this;
    }

    /**
     * Reseeds this generator from a non-deterministic source and returns the seed, as {@code torch.Generator.seed()}.
     * Log or report the returned seed: it is what replays the run.
     */
    public long seed() {
        long seed = new SecureRandom().nextLong();
        manualSeed(seed);
        return seed;
    }

    /** The seed this generator was last seeded with (an unsigned 64-bit value; see {@link Long#toUnsignedString}). */
    public synchronized long initialSeed() {
        return initialSeed;
    }

    /** Standard normal float32 samples of the given shape, as {@code torch.randn(shape, generator=g)}. */
    public NDArray randn(NDManager manager, Shape shape) {
        return randn(manager, shape, DataType.FLOAT32);
    }

    /**
     * Standard normal samples of the given shape and dtype (float32 or float64), as {@code torch.randn}. On the CPU
     * the numbers are drawn straight into the new array's memory, a few thousand at a time while they are in cache.
     */
    public NDArray randn(NDManager manager, Shape shape, DataType dataType) {
        checkDtype("randn", dataType);
        checkByteCount(shape, dataType);
        return drawInto(manager, shape, dataType, true);
    }

    /** Uniform float32 samples in [0, 1) of the given shape, as {@code torch.rand(shape, generator=g)}. */
    public NDArray rand(NDManager manager, Shape shape) {
        return rand(manager, shape, DataType.FLOAT32);
    }

    /** Uniform samples in [0, 1) of the given shape and dtype (float32 or float64), as {@code torch.rand}. */
    public NDArray rand(NDManager manager, Shape shape, DataType dataType) {
        checkDtype("rand", dataType);
        checkByteCount(shape, dataType);
        return drawInto(manager, shape, dataType, false);
    }

    /** Fills {@code out} with what {@code torch.randn(out.length)} (float32) draws, and returns it. */
    public synchronized float[] randn(float[] out) {
        int size = out.length;
        if (size < VECTORIZED_THRESHOLD) {
            for (int i = 0; i < size; i++) {
                out[i] = (float) nextNormal();
            }
            return out;
        }
        // torch draws all uniforms, then transforms blocks of 16; chunk by chunk is the same order of draws.
        int whole = size - size % VECTORIZED_THRESHOLD;
        for (int from = 0; from < whole; from += CHUNK) {
            int to = Math.min(from + CHUNK, whole);
            fillUniform(out, from, to);
            boxMuller16s(out, from, to);
        }
        if (whole != size) {
            int tail = size - VECTORIZED_THRESHOLD;
            fillUniform(out, whole, size);
            fillUniform(out, tail, size);
            boxMuller16(out, tail);
        }
        return out;
    }

    /** Fills {@code out} with what {@code torch.randn(out.length, dtype=torch.float64)} draws, and returns it. */
    public synchronized double[] randn(double[] out) {
        int size = out.length;
        if (size < VECTORIZED_THRESHOLD) {
            for (int i = 0; i < size; i++) {
                out[i] = nextNormal();
            }
            return out;
        }
        int whole = size - size % VECTORIZED_THRESHOLD;
        for (int from = 0; from < whole; from += CHUNK) {
            int to = Math.min(from + CHUNK, whole);
            fillUniform(out, from, to);
            for (int i = from; i < to; i += VECTORIZED_THRESHOLD) {
                boxMuller16(out, i);
            }
        }
        if (whole != size) {
            int tail = size - VECTORIZED_THRESHOLD;
            fillUniform(out, whole, size);
            fillUniform(out, tail, size);
            boxMuller16(out, tail);
        }
        return out;
    }

    /** Fills {@code out} with what {@code torch.rand(out.length)} (float32) draws, and returns it. */
    public synchronized float[] rand(float[] out) {
        fillUniform(out, 0, out.length);
        return out;
    }

    /** Fills {@code out} with what {@code torch.rand(out.length, dtype=torch.float64)} draws, and returns it. */
    public synchronized double[] rand(double[] out) {
        fillUniform(out, 0, out.length);
        return out;
    }

    /** A snapshot of the whole state, as {@code torch.Generator.get_state()}; restore it with {@link #setState}. */
    public synchronized GeneratorState getState() {
        return new GeneratorState(initialSeed, engine.words(), engine.left(), engine.next(), hasNextNormal,
                nextNormal);
    }

    /**
     * Restores a snapshot taken by {@link #getState()}, as {@code torch.Generator.set_state(state)}: the draws
     * that follow repeat those that followed the snapshot.
     *
     * @return this generator
     */
    public synchronized Generator setState(GeneratorState state) {
        Objects.requireNonNull(state, "state");
        engine = MersenneTwister.restore(state.words(), state.left(), state.next());
        initialSeed = state.initialSeed();
        hasNextNormal = state.hasNextNormal();
        nextNormal = state.nextNormal();
        return this;
    }

    /** An independent generator in the same state: both draw the same numbers from here on. */
    @Override
    public synchronized Generator clone() {
        try {
            Generator copy = (Generator) super.clone();
            copy.engine = engine.copy();
            return copy;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError("Generator is Cloneable", e);
        }
    }

    /**
     * Whether this JVM computes float32 normals on eight-lane vectors: it does when started with
     * {@code --add-modules jdk.incubator.vector} on a CPU with 256-bit vectors. The numbers are the same either way.
     */
    public static boolean usesVectorLanes() {
        return VECTOR_LANES;
    }

    private static boolean vectorLanesAvailable() {
        if (Boolean.getBoolean(dev.reprodiff.golden.GoldenProperties.GENERATOR_SCALAR)
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        return BoxMullerVector.isUsable();
    }

    @Override
    public String toString() {
        return "Generator(cpu, initialSeed=" + Long.toUnsignedString(initialSeed()) + ")";
    }

    /**
     * A new {@code shape} array filled with normals or uniforms. On the CPU, DJL's direct buffer of a new (contiguous)
     * PyTorch tensor is a view of its memory, so the numbers are written there and never copied; elsewhere they are
     * staged in a direct buffer that the engine copies once.
     */
    private NDArray drawInto(NDManager manager, Shape shape, DataType dataType, boolean normal) {
        NDArray out = manager.create(shape, dataType);
        int size = (int) shape.size();
        if (size == 0) {
            return out;
        }
        try {
            boolean inPlace = !out.getDevice().isGpu() && "PyTorch".equals(manager.getEngine().getEngineName());
            ByteBuffer memory = inPlace
                    ? out.toByteBuffer(true)
                    : ByteBuffer.allocateDirect(size * dataType.getNumOfBytes()).order(ByteOrder.nativeOrder());
            if (dataType == DataType.FLOAT32) {
                fill(memory.asFloatBuffer(), size, normal);
            } else {
                fill(memory.asDoubleBuffer(), size, normal);
            }
            if (!inPlace) {
                out.set(memory);
            }
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    // randn(float[]) or rand(float[]) chunk by chunk through a small array, each chunk copied into out once.
    private synchronized void fill(FloatBuffer out, int size, boolean normal) {
        if (normal && size < VECTORIZED_THRESHOLD) {
            for (int i = 0; i < size; i++) {
                out.put(i, (float) nextNormal());
            }
            return;
        }
        float[] chunk = new float[Math.min(CHUNK, size)];
        int whole = normal ? size - size % VECTORIZED_THRESHOLD : size;
        for (int from = 0; from < whole; from += CHUNK) {
            int count = Math.min(CHUNK, whole - from);
            fillUniform(chunk, 0, count);
            if (normal) {
                boxMuller16s(chunk, 0, count);
            }
            out.put(from, chunk, 0, count);
        }
        if (whole != size) {
            fillUniform(chunk, 0, size - whole); // the partial block's uniforms, which torch draws and then redraws
            fillUniform(chunk, 0, VECTORIZED_THRESHOLD);
            boxMuller16(chunk, 0);
            out.put(size - VECTORIZED_THRESHOLD, chunk, 0, VECTORIZED_THRESHOLD);
        }
    }

    // The float64 twin of fill(FloatBuffer, ...).
    private synchronized void fill(DoubleBuffer out, int size, boolean normal) {
        if (normal && size < VECTORIZED_THRESHOLD) {
            for (int i = 0; i < size; i++) {
                out.put(i, nextNormal());
            }
            return;
        }
        double[] chunk = new double[Math.min(CHUNK, size)];
        int whole = normal ? size - size % VECTORIZED_THRESHOLD : size;
        for (int from = 0; from < whole; from += CHUNK) {
            int count = Math.min(CHUNK, whole - from);
            fillUniform(chunk, 0, count);
            for (int i = 0; normal && i < count; i += VECTORIZED_THRESHOLD) {
                boxMuller16(chunk, i);
            }
            out.put(from, chunk, 0, count);
        }
        if (whole != size) {
            fillUniform(chunk, 0, size - whole);
            fillUniform(chunk, 0, VECTORIZED_THRESHOLD);
            boxMuller16(chunk, 0);
            out.put(size - VECTORIZED_THRESHOLD, chunk, 0, VECTORIZED_THRESHOLD);
        }
    }

    // at::normal_distribution<double>: Box-Muller on two 53-bit uniforms, caching the sine half for the next call.
    private double nextNormal() {
        if (hasNextNormal) {
            hasNextNormal = false;
            return nextNormal;
        }
        double u1 = nextUniformDouble();
        double u2 = nextUniformDouble();
        double r = Math.sqrt(-2.0 * CorrectlyRounded.logOneMinus(u2));
        double theta = 2.0 * Math.PI * u1;
        double[] sinCos = new double[2];
        CorrectlyRounded.sinCos(theta, sinCos);
        nextNormal = r * sinCos[0];
        hasNextNormal = true;
        return r * sinCos[1];
    }

    private static void boxMuller16s(float[] data, int from, int to) {
        for (int i = from; i < to; i += VECTORIZED_THRESHOLD) {
            boxMuller16(data, i);
        }
    }

    private static void boxMuller16(float[] data, int offset) {
        if (VECTOR_LANES) {
            BoxMullerVector.fill16(data, offset);
        } else {
            BoxMullerAvx2.fill16(data, offset);
        }
    }

    // at::native::normal_fill_16 in double precision.
    private static void boxMuller16(double[] data, int offset) {
        double[] sinCos = new double[2];
        for (int lane = 0; lane < 8; lane++) {
            double radius = Math.sqrt(-2 * CorrectlyRounded.logOneMinus(data[offset + lane])); // log(1 - u)
            double theta = 2.0 * Math.PI * data[offset + lane + 8];
            CorrectlyRounded.sinCos(theta, sinCos);
            data[offset + lane] = radius * sinCos[1];
            data[offset + lane + 8] = radius * sinCos[0];
        }
    }

    private void fillUniform(float[] out, int from, int to) {
        engine.fillUniformFloats(out, from, to);
    }

    private void fillUniform(double[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = nextUniformDouble();
        }
    }

    private double nextUniformDouble() {
        return (engine.nextLong() & DOUBLE_MANTISSA_MASK) * DOUBLE_UNIFORM_SCALE;
    }

    private static int elementCount(Shape shape) {
        long size = shape.size();
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("Cannot draw " + size + " elements for shape " + shape
                    + " into one Java array; the limit is " + (Integer.MAX_VALUE - 16)
                    + ". Draw the batch in slices (one generator per slice, see RandomTensors.randnTensor).");
        }
        return (int) size;
    }

    private static void checkByteCount(Shape shape, DataType dataType) {
        long size = shape.size();
        if (size > Integer.MAX_VALUE / dataType.getNumOfBytes()) {
            throw new IllegalArgumentException("Cannot draw " + size + " " + dataType + " elements for shape " + shape
                    + " into one array: its " + size * dataType.getNumOfBytes() + " bytes exceed the "
                    + Integer.MAX_VALUE + " that one DJL buffer holds. Draw the batch in slices (one generator per"
                    + " slice, see RandomTensors.randnTensor).");
        }
    }

    private static void checkDtype(String op, DataType dataType) {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT64) {
            throw unsupported(op, dataType);
        }
    }

    private static IllegalArgumentException unsupported(String op, DataType dataType) {
        return new IllegalArgumentException("Generator." + op + " draws float32 or float64, not " + dataType
                + ". Draw float32 and convert with NDArray.toType(...) as diffusers' randn_tensor does.");
    }
}
