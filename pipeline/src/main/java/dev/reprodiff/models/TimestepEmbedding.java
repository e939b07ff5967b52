package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' {@code Timesteps} (the sinusoidal projection, {@code get_timestep_embedding}, computed in float32) and
 * {@code TimestepEmbedding} (linear, SiLU, linear).
 */
final class TimestepEmbedding {

    private static final double MAX_PERIOD = 10000;

    private final Layers.Linear linear1;
    private final Layers.Linear linear2;
    private final int channels;
    private final boolean flipSinToCos;
    private final double freqShift;
    private volatile NDArray frequencies;

    TimestepEmbedding(ParameterTable.Scope scope, int channels, int timeEmbedDim, boolean flipSinToCos,
                      double freqShift) {
        this.channels = channels;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
        linear1 = new Layers.Linear(scope.child("linear_1"), channels, timeEmbedDim);
        linear2 = new Layers.Linear(scope.child("linear_2"), timeEmbedDim, timeEmbedDim);
    }

    /** The embedding of one timestep repeated over {@code batch} rows: (batch, time_embed_dim). */
    NDArray forward(NDManager manager, double timestep, long batch) {
        return linear2.forward(Layers.silu(linear1.forward(project(manager, timestep, batch))));
    }

    /**
     * The embedding of one timestep per row, as diffusers embeds a batch of timesteps in training: (batch,
     * time_embed_dim) for {@code timesteps} of shape (batch).
     */
    NDArray forward(NDArray timesteps) {
        return linear2.forward(Layers.silu(linear1.forward(project(timesteps))));
    }

    /** {@link #project(NDManager, double, long)} of one float32 timestep per row of {@code timesteps} (batch). */
    NDArray project(NDArray timesteps) {
        // no gradient flows into the timesteps or the frequencies
        NDArray column = timesteps.toType(DataType.FLOAT32, false).reshape(timesteps.getShape().get(0), 1);
        NDArray angles = column.mul(frequencies());
        NDArray sin = angles.sin();
        NDArray cos = angles.cos();
        NDArray embedding = NDArrays.concat(flipSinToCos ? new NDList(cos, sin) : new NDList(sin, cos), 1);
        return channels % 2 == 1 ? embedding.pad(new Shape(0, 1), 0) : embedding;
    }

    /**
     * The (1, half) frequencies {@code exp(-ln(10000) * i / (half - shift))}, the same for every step: computed once,
     * by the same operations, and kept with the weights.
     */
    private NDArray frequencies() {
        NDArray cached = frequencies;
        if (cached == null) {
            int half = channels / 2;
            cached = Layers.constants(linear1.weight(), manager -> {
                try (NDArray exponent = manager.arange(0, half, 1, DataType.FLOAT32).mul(-Math.log(MAX_PERIOD))
                        .div(half - freqShift)) {
                    return new NDArray[] {exponent.exp().reshape(1, half)};
                }
            })[0];
            frequencies = cached;
        }
        return cached;
    }

    /**
     * {@code get_timestep_embedding}: {@code exp(-ln(10000) * i / (half - shift))} for i < half, times the float32
     * timestep, then {@code [sin, cos]} ({@code [cos, sin]} when flipped), zero-padded to an odd width.
     */
    NDArray project(NDManager manager, double timestep, long batch) {
        NDArray timesteps = manager.full(new Shape(batch, 1), (float) timestep);
        NDArray angles = timesteps.mul(frequencies());
        NDArray sin = angles.sin();
        NDArray cos = angles.cos();
        NDArray embedding = NDArrays.concat(flipSinToCos ? new NDList(cos, sin) : new NDList(sin, cos), 1);
        return channels % 2 == 1 ? embedding.pad(new Shape(0, 1), 0) : embedding;
    }
}
