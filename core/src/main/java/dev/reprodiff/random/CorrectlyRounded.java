package dev.reprodiff.random;

/**
 * Correctly rounded double-precision {@code log(1 - u)}, {@code sin} and {@code cos} for the arguments of the
 * float64 Box-Muller transform, evaluated in double-double arithmetic (about 106 bits) and rounded once.
 *
 * <p>PyTorch calls glibc. glibc's {@code log} is almost always correctly rounded; its {@code sin} and {@code cos}
 * misround about 0.2% of the angles Box-Muller feeds them (checked against 60-digit decimal evaluation), so those
 * float64 normals differ from PyTorch's by 1 or 2 ulps. {@link StrictMath} (fdlibm) would be deterministic too but
 * differs from glibc on about 6% of them. Rounding the exact value gives the same bits on every JVM.
 */
final class CorrectlyRounded {

    private static final double PIO2_1 = Double.longBitsToDouble(0x3ff921fb54442d18L);
    private static final double PIO2_2 = Double.longBitsToDouble(0x3c91a62633145c07L);
    private static final double PIO2_3 = Double.longBitsToDouble(0xb91f1976b7ed8fbcL);
    private static final double LN2_HI = 0.6931471805599453;
    private static final double LN2_LO = 2.3190468138462996e-17;

    private static final int SERIES_TERMS = 28;
    private static final double SERIES_LIMIT = 0.0625;
    /** 1/n for n = 1..SERIES_TERMS, each as (hi, lo). */
    private static final double[] INVERSES = new double[2 * (SERIES_TERMS + 1)];
    /** Taylor coefficients: (-1)^n / (2n+1)! for the sine and (-1)^n / (2n)! for the cosine, as (hi, lo). */
    private static final double[] SIN_COEFFICIENTS;
    private static final double[] COS_COEFFICIENTS;
    private static final int TRIG_TERMS = 15;
    private static final int EXP_TERMS = 12;
    private static final int EXP_HALVINGS = 8;

    static {
        for (int n = 1; n <= SERIES_TERMS; n++) {
            double hi = 1.0 / n;
            INVERSES[2 * n] = hi;
            INVERSES[2 * n + 1] = Math.fma(-hi, n, 1.0) / n;
        }
        SIN_COEFFICIENTS = new double[2 * TRIG_TERMS];
        COS_COEFFICIENTS = new double[2 * TRIG_TERMS];
        DD sinTerm = new DD(1.0, 0.0);
        DD cosTerm = new DD(1.0, 0.0);
        for (int n = 0; n < TRIG_TERMS; n++) {
            SIN_COEFFICIENTS[2 * n] = sinTerm.hi;
            SIN_COEFFICIENTS[2 * n + 1] = sinTerm.lo;
            COS_COEFFICIENTS[2 * n] = cosTerm.hi;
            COS_COEFFICIENTS[2 * n + 1] = cosTerm.lo;
            sinTerm = sinTerm.divide(-(2.0 * n + 2) * (2.0 * n + 3));
            cosTerm = cosTerm.divide(-(2.0 * n + 1) * (2.0 * n + 2));
        }
    }

    private CorrectlyRounded() {
    }

    /** {@code log(1 - u)} for {@code 0 <= u < 1}, which is also PyTorch's {@code log1p(-u)}. */
    static double logOneMinus(double u) {
        if (u < SERIES_LIMIT) {
            // log(1 - u) = -(u + u^2/2 + u^3/3 + ...)
            DD sum = inverse(SERIES_TERMS);
            for (int n = SERIES_TERMS - 1; n >= 1; n--) {
                sum = sum.multiply(u).add(inverse(n));
            }
            return -sum.multiply(u).value();
        }
        // One Newton step from fdlibm's estimate: y = y0 + (x * exp(-y0) - 1), exact to well below an ulp.
        double x = 1.0 - u;
        double y0 = StrictMath.log(x);
        DD correction = exp(-y0).multiply(x).add(-1.0);
        return correction.add(y0).value();
    }

    /** {sin(x), cos(x)} for {@code 0 <= x < 8}. */
    static void sinCos(double x, double[] out) {
        int quadrant = (int) Math.rint(x * (2.0 / Math.PI));
        // r = x - quadrant * pi/2, exactly: quadrant * PIO2_1 splits without error and x - hi is exact (Sterbenz).
        double hi = quadrant * PIO2_1;
        double lo = Math.fma(quadrant, PIO2_1, -hi);
        DD r = new DD(x - hi, 0.0).add(-lo).add(DD.product(-quadrant, PIO2_2)).add(-quadrant * PIO2_3);
        DD r2 = r.square();
        double sin = r.multiply(series(SIN_COEFFICIENTS, r2)).value();
        double cos = series(COS_COEFFICIENTS, r2).value();
        switch (quadrant & 3) {
            case 0 -> {
                out[0] = sin;
                out[1] = cos;
            }
            case 1 -> {
                out[0] = cos;
                out[1] = -sin;
            }
            case 2 -> {
                out[0] = -sin;
                out[1] = -cos;
            }
            default -> {
                out[0] = -cos;
                out[1] = sin;
            }
        }
    }

    private static DD series(double[] coefficients, DD r2) {
        int last = coefficients.length / 2 - 1;
        DD sum = new DD(coefficients[2 * last], coefficients[2 * last + 1]);
        for (int n = last - 1; n >= 0; n--) {
            sum = sum.multiply(r2).add(new DD(coefficients[2 * n], coefficients[2 * n + 1]));
        }
        return sum;
    }

    /** exp(a) for 0 <= a <= 40, in double-double. */
    private static DD exp(double a) {
        int k = (int) Math.rint(a / LN2_HI);
        DD r = new DD(a, 0.0).add(DD.product(-k, LN2_HI)).add(DD.product(-k, LN2_LO));
        DD s = r.scale(1.0 / (1 << EXP_HALVINGS));
        DD sum = new DD(1.0, 0.0);
        for (int n = EXP_TERMS; n >= 1; n--) {
            sum = sum.multiply(s).multiply(inverse(n)).add(1.0);
        }
        for (int i = 0; i < EXP_HALVINGS; i++) {
            sum = sum.square();
        }
        return sum.scale(Math.scalb(1.0, k));
    }

    private static DD inverse(int n) {
        return new DD(INVERSES[2 * n], INVERSES[2 * n + 1]);
    }

    /** An unevaluated sum hi + lo with |lo| <= ulp(hi) / 2. */
    private record DD(double hi, double lo) {

        static DD product(double a, double b) {
            double p = a * b;
            return new DD(p, Math.fma(a, b, -p));
        }

        double value() {
            return hi + lo;
        }

        DD add(double b) {
            double s = hi + b;
            double bb = s - hi;
            double e = (hi - (s - bb)) + (b - bb);
            return normalize(s, e + lo);
        }

        DD add(DD b) {
            double s = hi + b.hi;
            double bb = s - hi;
            double e = (hi - (s - bb)) + (b.hi - bb);
            double t = lo + b.lo;
            double tt = t - lo;
            double f = (lo - (t - tt)) + (b.lo - tt);
            DD first = normalize(s, e + t);
            return normalize(first.hi, first.lo + f);
        }

        DD multiply(double b) {
            double p = hi * b;
            return normalize(p, Math.fma(hi, b, -p) + lo * b);
        }

        DD multiply(DD b) {
            double p = hi * b.hi;
            return normalize(p, Math.fma(hi, b.hi, -p) + (hi * b.lo + lo * b.hi));
        }

        DD square() {
            return multiply(this);
        }

        DD scale(double powerOfTwo) {
            return new DD(hi * powerOfTwo, lo * powerOfTwo);
        }

        DD divide(double b) {
            double q = hi / b;
            DD remainder = add(product(-q, b));
            return new DD(q, 0.0).add(remainder.hi / b);
        }

        private static DD normalize(double a, double b) {
            double s = a + b;
            return new DD(s, b - (s - a));
        }
    }
}
