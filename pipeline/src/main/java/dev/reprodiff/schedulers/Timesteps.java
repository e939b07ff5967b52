package dev.reprodiff.schedulers;

import java.util.Arrays;

/**
 * The inference timesteps and noise levels of a run (timestep spacing, Karras sigmas), and the checks that a step's
 * timestep belongs to the run that {@code setTimesteps} started.
 */
final class Timesteps {

    static final String NOT_SET = "Number of inference steps is not set; call setTimesteps(...) after creating the"
            + " scheduler";

    private Timesteps() {
    }

    /** Fails with {@link #NOT_SET} unless {@code setTimesteps} has run. */
    static void requireTimestepsSet(int numInferenceSteps) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException(NOT_SET);
        }
    }

    static void requireInferenceSteps(int numInferenceSteps, int numTrainTimesteps) {
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("numInferenceSteps must be at least 1 but was " + numInferenceSteps);
        }
        if (numInferenceSteps > numTrainTimesteps) {
            throw new IllegalArgumentException("numInferenceSteps (" + numInferenceSteps + ") cannot be larger than"
                    + " num_train_timesteps (" + numTrainTimesteps + "): the model was trained on "
                    + numTrainTimesteps + " timesteps only");
        }
    }

    /**
     * The integer timesteps of DDPM and DDIM, in descending order: {@code linspace} spreads them over
     * {@code [0, T - 1]}, {@code leading} starts at 0 and adds {@code steps_offset}, {@code trailing} ends at
     * {@code T - 1}.
     */
    static long[] integerTimesteps(TimestepSpacing spacing, int numTrainTimesteps, int n, int stepsOffset) {
        long[] ascending = new long[n];
        switch (spacing) {
            case LINSPACE -> {
                double[] points = Numpy.linspace(0, numTrainTimesteps - 1, n);
                for (int i = 0; i < n; i++) {
                    ascending[i] = (long) Math.rint(points[i]);
                }
            }
            case LEADING -> {
                long ratio = numTrainTimesteps / n;
                for (int i = 0; i < n; i++) {
                    ascending[i] = i * ratio + stepsOffset;
                }
            }
            case TRAILING -> {
                double[] points = Numpy.arange(numTrainTimesteps, 0, -((double) numTrainTimesteps / n));
                ascending = new long[points.length];
                for (int i = 0; i < points.length; i++) {
                    ascending[points.length - 1 - i] = (long) Math.rint(points[i]) - 1;
                }
            }
        }
        for (long t : ascending) {
            if (t < 0 || t >= numTrainTimesteps) {
                throw new IllegalArgumentException("Timestep " + t + " of " + spacing.configValue() + " spacing with "
                        + n + " steps and steps_offset " + stepsOffset + " is outside the training range [0, "
                        + numTrainTimesteps + "); use fewer steps or another timestep_spacing");
            }
        }
        return Numpy.reversed(ascending);
    }

    /**
     * The float32 timesteps of the sigma-based (Euler) schedulers, in descending order: numpy computes them in
     * float64 and stores float32.
     */
    static float[] floatTimesteps(TimestepSpacing spacing, int numTrainTimesteps, int n, int stepsOffset) {
        return switch (spacing) {
            case LINSPACE -> {
                double[] points = Numpy.linspace(0, numTrainTimesteps - 1, n);
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (float) points[n - 1 - i];
                }
                yield out;
            }
            case LEADING -> {
                long ratio = numTrainTimesteps / n;
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (float) ((n - 1 - i) * ratio) + (float) stepsOffset;
                }
                yield out;
            }
            case TRAILING -> {
                double[] points = Numpy.arange(numTrainTimesteps, 0, -((double) numTrainTimesteps / n));
                float[] out = new float[points.length];
                for (int i = 0; i < points.length; i++) {
                    out[i] = (float) Math.rint(points[i]) - 1f;
                }
                yield out;
            }
        };
    }

    /** Karras et al. (2022) noise levels, eq. (5) with rho = 7, in float64 as numpy does it. */
    static double[] karrasSigmas(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double[] ramp = Numpy.linspace(0, 1, n);
        double minInvRho = Math.pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.pow(sigmaMax, 1 / rho);
        double[] sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            sigmas[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
        }
        return sigmas;
    }

    /**
     * diffusers' {@code _sigma_to_t}: the fractional training timestep of noise level {@code sigma}, by linear
     * interpolation in log-sigma. numpy computes the distances and weight in float32 (the log table's dtype) and
     * the final blend in float64.
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        float logSigma = (float) Math.log(Math.max(sigma, 1e-10));
        int lowIdx = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                lowIdx = i;
            }
        }
        lowIdx = Math.min(lowIdx, logSigmas.length - 2);
        int highIdx = lowIdx + 1;
        float low = logSigmas[lowIdx];
        float high = logSigmas[highIdx];
        float w = (low - logSigma) / (low - high);
        w = Math.max(0f, Math.min(1f, w));
        return (double) (1 - w) * lowIdx + (double) w * highIdx;
    }

    /** The largest sigma, or sqrt(sigma_max^2 + 1) for {@code leading} spacing (float32, as diffusers). */
    static double initNoiseSigma(float[] sigmas, TimestepSpacing spacing) {
        float maxSigma = 0;
        for (float sigma : sigmas) {
            maxSigma = Math.max(maxSigma, sigma);
        }
        if (spacing == TimestepSpacing.LEADING) {
            return (float) Math.sqrt(maxSigma * maxSigma + 1);
        }
        return maxSigma;
    }

    /** The position of {@code timestep} in {@code timesteps} (the second match if it occurs twice, as diffusers). */
    static int indexOf(double[] timesteps, double timestep) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == timestep) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        if (first < 0) {
            throw notInSchedule(timesteps, timestep);
        }
        return first;
    }

    /** Fails unless the integer timestep is one of {@code timesteps}; returns it as an index into the tables. */
    static int requireScheduled(double[] timesteps, double timestep) {
        for (double t : timesteps) {
            if (t == timestep) {
                return (int) timestep;
            }
        }
        throw notInSchedule(timesteps, timestep);
    }

    static IllegalArgumentException notInSchedule(double[] timesteps, double timestep) {
        return new IllegalArgumentException("Timestep " + timestep + " is not in the schedule "
                + Arrays.toString(timesteps) + "; pass one of timesteps()");
    }

    static String allStepsTaken(int steps) {
        return "All " + steps + " steps of this run have been taken; call setTimesteps(...) to start a new run";
    }
}
