package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.Platform;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The main class of the child JVMs that {@link ConcurrentRecordingTests} starts, kills and checks:
 * <ul>
 *   <li>{@code variants <dir> <variant> <threads> <goldens>}: records variant {@code <variant>} of goldens
 *       {@code g0}..., on several threads at once;</li>
 *   <li>{@code loop <dir> <elements>}: re-records golden {@code loop} over and over, alternating two tensors, and
 *       prints {@code recorded} after each, until it is killed;</li>
 *   <li>{@code engine <class> <key=value>...}: runs a test class through the Jupiter engine.</li>
 * </ul>
 */
public final class RecordingChild {

    static final Platform PLATFORM = new Platform("Linux", "amd64", "Test CPU", "default", "cpu", "Test CPU", null,
            null, "2.7.1", "0.36.0", 1, Map.of());

    private RecordingChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "variants" -> variants(Path.of(args[1]), args[2], Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            case "loop" -> loop(Path.of(args[1]), Integer.parseInt(args[2]));
            case "engine" -> engine(args);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** The values of golden {@code g} recorded as {@code variant}, so that each file can be checked. */
    static float[] values(int golden, String variant) {
        return new float[] {golden, variant.hashCode(), golden * 31f + variant.length()};
    }

    private static void variants(Path dir, String variant, int threads, int goldens) throws Exception {
        GoldenStore store = new GoldenStore(dir);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int g = 0; g < goldens; g++) {
            int golden = g;
            done.add(pool.submit(() -> {
                store.record("g" + golden, variant, ActualTensor.of(values(golden, variant), new long[] {3}, false),
                        provenance("variants " + variant, 3));
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
    }

    static float[] loopValues(int elements, int round) {
        float[] values = new float[elements];
        java.util.Arrays.fill(values, round % 2 == 0 ? 0.25f : 0.75f);
        return values;
    }

    private static void loop(Path dir, int elements) throws Exception {
        GoldenStore store = new GoldenStore(dir);
        for (int round = 1; ; round++) {
            store.record("loop", "default", ActualTensor.of(loopValues(elements, round), new long[] {elements},
                    false), provenance("loop", elements));
            System.out.println("recorded " + round);
        }
    }

    static GoldenManifest.Provenance provenance(String test, long elements) {
        return new GoldenManifest.Provenance("float32", new long[] {elements}, false, test, null, null, null, false,
                "2026-12-01T00:00:00Z", "child-" + ProcessHandle.current().pid(), PLATFORM);
    }

    private static void engine(String[] args) throws ClassNotFoundException {
        EngineTestKit.Builder builder = EngineTestKit.engine("junit-jupiter").selectors(selectClass(
                Class.forName(args[1])));
        for (int i = 2; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            builder.configurationParameter(pair[0], pair[1]);
        }
        builder.execute();
    }
}
