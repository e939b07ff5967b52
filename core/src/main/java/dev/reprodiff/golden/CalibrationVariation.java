package dev.reprodiff.golden;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One way of running the tests that must not change what their results mean: libtorch's intra-op thread count, the
 * vector lanes of the Generator and of the comparison on or off, {@code @Deterministic}'s switches on or off. Each
 * calibration run runs the whole test suite under one variation, which the plugin hands to the test JVMs as system
 * properties ({@link #properties}).
 *
 * @param threads the intra-op thread count of the tests without {@code @Deterministic} (a {@code @Deterministic}
 *        test keeps its own while its switches are on), or null for libtorch's default
 * @param vectorLanes whether the Generator and the comparison may use vector lanes (when the JVM has them)
 * @param deterministic whether {@code @Deterministic} switches libtorch to full determinism
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CalibrationVariation(String name, Integer threads, boolean vectorLanes, boolean deterministic) {

    /** The build's own settings. */
    public static final CalibrationVariation DEFAULT = new CalibrationVariation("default", null, true, true);

    /** The system properties that put a test JVM under this variation. */
    public Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(GoldenProperties.CALIBRATE_VARIATION, name);
        if (threads != null) {
            properties.put(GoldenProperties.CALIBRATE_THREADS, Integer.toString(threads));
        }
        if (!vectorLanes) {
            properties.put(GoldenProperties.GENERATOR_SCALAR, "true");
            properties.put(GoldenProperties.COMPARISON_SCALAR, "true");
        }
        if (!deterministic) {
            properties.put(GoldenProperties.CALIBRATE_DETERMINISTIC, "false");
        }
        return properties;
    }

    /** Every property {@link #properties} may set, so that a run clears what the previous run's variation set. */
    public static List<String> propertyNames() {
        return List.of(GoldenProperties.CALIBRATE_VARIATION, GoldenProperties.CALIBRATE_THREADS,
                GoldenProperties.GENERATOR_SCALAR, GoldenProperties.COMPARISON_SCALAR,
                GoldenProperties.CALIBRATE_DETERMINISTIC);
    }

    /** {@code threads=1, vector lanes off}: what differs from the build's settings. */
    @JsonIgnore
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (threads != null) {
            parts.add(threads + (threads == 1 ? " intra-op thread" : " intra-op threads"));
        }
        if (!vectorLanes) {
            parts.add("vector lanes off");
        }
        if (!deterministic) {
            parts.add("@Deterministic off");
        }
        return parts.isEmpty() ? "the build's settings" : String.join(", ", parts);
    }

    /**
     * The variations this machine can produce, in the order runs take them: the build's settings, {@code @Deterministic}
     * off, one thread, vector lanes off, then 2, 4, ... threads up to {@code cores}. Accelerators are not among them:
     * a run compares with the goldens on the device the test itself picks.
     */
    public static List<CalibrationVariation> available(int cores) {
        List<CalibrationVariation> all = new ArrayList<>();
        all.add(DEFAULT);
        all.add(new CalibrationVariation("deterministic-off", null, true, false));
        all.add(threads(1));
        all.add(new CalibrationVariation("vector-off", null, false, true));
        for (int t = 2; t < cores; t *= 2) {
            all.add(threads(t));
        }
        if (cores > 1) {
            all.add(threads(cores));
        }
        return all;
    }

    /** The variations of {@code runs} runs: {@link #available} in turn, starting over when runs outnumber them. */
    public static List<CalibrationVariation> plan(int runs, int cores) {
        List<CalibrationVariation> available = available(cores);
        List<CalibrationVariation> plan = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            plan.add(available.get(i % available.size()));
        }
        return plan;
    }

    private static CalibrationVariation threads(int count) {
        return new CalibrationVariation("threads-" + count, count, true, true);
    }
}
