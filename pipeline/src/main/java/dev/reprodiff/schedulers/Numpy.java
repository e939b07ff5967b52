package dev.reprodiff.schedulers;

import java.util.Arrays;

/** The numpy functions diffusers computes inference timesteps with, in float64 as numpy does, element for element. */
final class Numpy {

    private Numpy() {
    }

    /** {@code np.linspace(start, stop, num)}: {@code i * step + start}, the last point exactly {@code stop}. */
    static double[] linspace(double start, double stop, int num) {
        double[] points = new double[num];
        int div = num - 1;
        double delta = stop - start;
        double step = div > 0 ? delta / div : Double.NaN;
        for (int i = 0; i < num; i++) {
            points[i] = (step == 0 ? i / (double) div * delta : i * step) + start;
        }
        if (num > 1) {
            points[num - 1] = stop;
        }
        return points;
    }

    /** {@code np.arange(start, stop, step)} for floats: numpy fills {@code start + i * ((start + step) - start)}. */
    static double[] arange(double start, double stop, double step) {
        int length = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] values = new double[length];
        double delta = (start + step) - start;
        for (int i = 0; i < length; i++) {
            values[i] = i == 0 ? start : i == 1 ? start + step : start + i * delta;
        }
        return values;
    }

    /** {@code np.interp(x, np.arange(len(fp)), fp)} in float64. */
    static double[] interp(double[] x, float[] fp) {
        double[] out = new double[x.length];
        int last = fp.length - 1;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (v <= 0) {
                out[i] = fp[0];
            } else if (v >= last) {
                out[i] = fp[last];
            } else {
                int j = (int) Math.floor(v);
                out[i] = v == j ? fp[j] : ((double) fp[j + 1] - fp[j]) * (v - j) + fp[j];
            }
        }
        return out;
    }

    static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    static double[] toDoubles(long[] values) {
        return Arrays.stream(values).asDoubleStream().toArray();
    }

    static long[] reversed(long[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[values.length - 1 - i];
        }
        return out;
    }
}
