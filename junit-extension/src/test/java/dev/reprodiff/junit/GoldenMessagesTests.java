package dev.reprodiff.junit;

import dev.reprodiff.golden.Platform;
import dev.reprodiff.golden.GoldenInventory;
import dev.reprodiff.golden.GoldenManifest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Exact-string tests of every golden message factory, as AssertJ's {@code *_create_Test} classes do. */
class GoldenMessagesTests {

    static final Platform XEON = new Platform("Linux", "amd64", "Intel(R) Xeon(R) Gold 6338", "avx512", "cpu",
            "Intel(R) Xeon(R) Gold 6338", null, null, "2.7.1", "0.36.0", 1, Map.of());
    static final Platform EPYC = new Platform("Linux", "amd64", "AMD EPYC 7763", "avx2", "cpu", "AMD EPYC 7763", null, null,
            "2.7.1", "0.36.0", 4, Map.of());
    static final Platform H200 = new Platform("Linux", "amd64", "AMD EPYC 7763", "avx2", "gpu", "NVIDIA H200", "9.0",
            "12.4", "2.7.1", "0.36.0", 4, Map.of());

    static final GoldenMessages.Origin ORIGIN = new GoldenMessages.Origin("DDIMPipeline tiny, step 3 of 10",
            "@Seeded(0)", "mvn test -Dtest='DdimTests#tiny'",
            "mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record");

    private static GoldenStore.Selected selected(Platform recorded, boolean trajectory, long... shape) {
        return new GoldenStore.Selected("ddim/tiny", "default", new GoldenManifest.Variant("ddim/tiny.safetensors",
                "golden", "float32", shape, trajectory, "00", "0000", "DdimTests#tiny", new long[] {0}, "method",
                null, false, "2026-11-29T07:00:00Z", "run-1", recorded), "the default golden; no golden for this device"
                + " \"cpu-amd-epyc-7763-avx2\" or device type \"cpu\"");
    }

    @Test
    void mismatch_create() {
        ActualTensor actual = ActualTensor.of(new float[] {0.1f, 0.418831f, -2f, 3f}, new long[] {1, 1, 2, 2},
                false);
        float[] golden = {0.1f, 0.418112f, -2f, 3f};
        Tolerance tolerance = Tolerance.defaultFor("float32");
        String message = GoldenMessages.mismatch(new GoldenMessages.Mismatch(ORIGIN, actual, EPYC,
                "goldens/ddim/tiny.safetensors#golden", selected(XEON, false, 1, 1, 2, 2), tolerance,
                TensorComparison.compare(actual.data(), golden, tolerance.atol(), tolerance.rtol()), golden, null,
                "target/reprodiff/DdimTests/tiny/ddim/tiny.actual.safetensors"));
        assertThat(message).isEqualTo("[DDIMPipeline tiny, step 3 of 10, @Seeded(0)]\n"
                + "Expecting actual:\n"
                + "  float32[1, 1, 2, 2]\n"
                + "  computed on cpu \"AMD EPYC 7763\" (avx2, Linux amd64, libtorch 2.7.1, DJL 0.36.0, 4 threads)\n"
                + "to match golden:\n"
                + "  goldens/ddim/tiny.safetensors#golden  float32[1, 1, 2, 2]\n"
                + "  (the default golden; no golden for this device \"cpu-amd-epyc-7763-avx2\" or device type \"cpu\")\n"
                + "  recorded on cpu \"Intel(R) Xeon(R) Gold 6338\" (avx512, Linux amd64, libtorch 2.7.1, DJL 0.36.0,"
                + " 1 thread)\n"
                + "within |actual - golden| <= 1.0e-05 + 1.3e-06 * |golden|"
                + " (torch.testing.assert_close's default for float32; not calibrated), but\n"
                + "  Mismatched elements: 1 / 4 (25.0%)\n"
                + "  Greatest absolute difference: 7.19e-04 at index (0, 0, 0, 1) (up to 1.05e-05 allowed)\n"
                + "  Greatest relative difference: 1.72e-03 at index (0, 0, 0, 1) (up to 1.30e-06 allowed)\n"
                + "  At (0, 0, 0, 1): actual 0.418831, golden 0.418112\n"
                + "  Cosine distance: 1.93e-08\n"
                + "Seeds: @Seeded(0)\n"
                + "Replay: mvn test -Dtest='DdimTests#tiny'\n"
                + "Record: mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record\n"
                + "Artifacts: target/reprodiff/DdimTests/tiny/ddim/tiny.actual.safetensors");
    }

    @Test
    void mismatch_create_names_both_worst_elements_and_the_diverging_step() {
        ActualTensor actual = ActualTensor.of(new float[] {1f, 0.001f, 10.5f, 0f}, new long[] {2, 2}, true);
        float[] golden = {1f, 0.0015f, 10f, 0f};
        Tolerance tolerance = new Tolerance(1e-3, 0, "tolerances.json: platforms.cpuVsGpu");
        String message = GoldenMessages.mismatch(new GoldenMessages.Mismatch(ORIGIN, actual, H200,
                "goldens/ddim/tiny.safetensors#trajectory", selected(EPYC, true, 2, 2), tolerance,
                TensorComparison.compare(actual.data(), golden, tolerance.atol(), tolerance.rtol()), golden,
                TensorComparison.steps(actual.data(), golden, 2, 1e-3, 0), null));
        assertThat(message).isEqualTo("[DDIMPipeline tiny, step 3 of 10, @Seeded(0)]\n"
                + "Expecting actual:\n"
                + "  float32[2, 2]\n"
                + "  computed on gpu \"NVIDIA H200\" (compute capability 9.0, CUDA 12.4, CPU \"AMD EPYC 7763\","
                + " avx2, Linux amd64, libtorch 2.7.1, DJL 0.36.0, 4 threads)\n"
                + "to match golden:\n"
                + "  goldens/ddim/tiny.safetensors#trajectory  float32[2, 2]\n"
                + "  (the default golden; no golden for this device \"cpu-amd-epyc-7763-avx2\" or device type \"cpu\")\n"
                + "  recorded on cpu \"AMD EPYC 7763\" (avx2, Linux amd64, libtorch 2.7.1, DJL 0.36.0, 4 threads)\n"
                + "within |actual - golden| <= 1.0e-03 + 0.0e+00 * |golden| (tolerances.json:"
                + " platforms.cpuVsGpu; hand-set, not calibrated), but\n"
                + "  Mismatched elements: 1 / 4 (25.0%)\n"
                + "  Greatest absolute difference: 5.00e-01 at index (1, 0) (up to 1.00e-03 allowed)\n"
                + "  Greatest relative difference: 3.33e-01 at index (0, 1) (up to 0.00e+00 allowed)\n"
                + "  At (1, 0): actual 10.5000, golden 10.0000\n"
                + "  At (0, 1): actual 0.00100000, golden 0.00150000\n"
                + "  Cosine distance: 1.11e-05\n"
                + "  First step out of tolerance: step 1 of 2 (counting from 0)\n"
                + "  L-inf by step: 5.00e-04, 5.00e-01\n"
                + "Seeds: @Seeded(0)\n"
                + "Replay: mvn test -Dtest='DdimTests#tiny'\n"
                + "Record: mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record");
    }

    @Test
    void mismatch_create_when_every_difference_is_nan() {
        ActualTensor actual = ActualTensor.of(new float[] {Float.NaN}, new long[] {1}, false);
        float[] golden = {1f};
        Tolerance tolerance = Tolerance.exact(Tolerances.EXACT_SOURCE);
        String message = GoldenMessages.mismatch(new GoldenMessages.Mismatch(ORIGIN, actual, EPYC, "g#golden",
                selected(EPYC, false, 1), tolerance, TensorComparison.compare(actual.data(), golden, 0, 0), golden,
                null, null));
        assertThat(message).contains("within |actual - golden| = 0 (exact: a @Deterministic test on the platform"
                + " the golden was recorded on), but\n  Mismatched elements: 1 / 1 (100.0%)\n"
                + "  First non-finite mismatch at index (0): actual NaN, golden 1.00000 (NaN or infinite elements:"
                + " 1 in actual, 0 in golden)\n  Cosine distance: NaN\n");
    }

    /** Before, the message named a matching element with difference 0.00e+00 and never the NaN. */
    @Test
    void mismatch_create_names_a_nan_beside_matching_elements_and_its_index() {
        ActualTensor actual = ActualTensor.of(new float[] {1f, 2f, Float.NaN, 4f}, new long[] {2, 2}, false);
        float[] golden = {1f, 2f, 3f, 4f};
        Tolerance tolerance = Tolerance.defaultFor("float32");
        String message = GoldenMessages.mismatch(new GoldenMessages.Mismatch(ORIGIN, actual, EPYC, "g#golden",
                selected(EPYC, false, 2, 2), tolerance, TensorComparison.compare(actual.data(), golden,
                tolerance.atol(), tolerance.rtol()), golden, null, null));
        assertThat(message).contains("  Mismatched elements: 1 / 4 (25.0%)\n"
                + "  First non-finite mismatch at index (1, 0): actual NaN, golden 3.00000 (NaN or infinite"
                + " elements: 1 in actual, 0 in golden)\n"
                + "  Every finite element is equal\n"
                + "  Cosine distance: NaN\n").doesNotContain("0.00e+00");
    }

    @Test
    void mismatch_create_names_a_nan_in_the_golden_beside_a_finite_difference() {
        ActualTensor actual = ActualTensor.of(new float[] {1f, 2.5f, 3f}, new long[] {3}, false);
        float[] golden = {1f, 2f, Float.NaN};
        Tolerance tolerance = Tolerance.defaultFor("float32");
        String message = GoldenMessages.mismatch(new GoldenMessages.Mismatch(ORIGIN, actual, EPYC, "g#golden",
                selected(EPYC, false, 3), tolerance, TensorComparison.compare(actual.data(), golden,
                tolerance.atol(), tolerance.rtol()), golden, null, null));
        assertThat(message).contains("  Mismatched elements: 2 / 3 (66.7%)\n"
                + "  First non-finite mismatch at index (2): actual 3.00000, golden NaN (NaN or infinite elements:"
                + " 0 in actual, 1 in golden)\n"
                + "  Greatest absolute difference: 5.00e-01 at index (1) (up to 1.26e-05 allowed)\n");
    }

    @Test
    void shapeMismatch_create() {
        assertThat(GoldenMessages.shapeMismatch(ORIGIN, ActualTensor.of(new float[6], new long[] {2, 3}, false),
                "goldens/ddim/tiny.safetensors#golden", "float32", new long[] {3, 2})).isEqualTo(
                "[DDIMPipeline tiny, step 3 of 10, @Seeded(0)]\n"
                        + "Expecting actual:\n"
                        + "  float32[2, 3]\n"
                        + "to have the shape of golden:\n"
                        + "  goldens/ddim/tiny.safetensors#golden  float32[3, 2]\n"
                        + "but the shapes differ.\n"
                        + "Seeds: @Seeded(0)\n"
                        + "Replay: mvn test -Dtest='DdimTests#tiny'\n"
                        + "Record: mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record");
    }

    @Test
    void missing_create() {
        assertThat(GoldenMessages.missing(ORIGIN, "ddim/tiny", "goldens/ddim/tiny.json does not exist",
                "mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record-missing", false)).isEqualTo(
                "[DDIMPipeline tiny, step 3 of 10, @Seeded(0)]\n"
                        + "No golden \"ddim/tiny\" for this platform: goldens/ddim/tiny.json does not exist.\n"
                        + "Record it: mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record-missing");
    }

    @Test
    void notClose_create() {
        ActualTensor actual = ActualTensor.of(new float[] {1, 2.5f}, new long[] {2}, false);
        float[] expected = {1, 2};
        assertThat(GoldenMessages.notClose("latents", actual, expected, new Tolerance(1e-5, 0, "given"),
                TensorComparison.compare(actual.data(), expected, 1e-5, 0))).isEqualTo("[latents]\n"
                + "Expecting actual:\n"
                + "  float32[2]\n"
                + "to be close to expected:\n"
                + "  float32[2]\n"
                + "within |actual - expected| <= 1.0e-05 + 0.0e+00 * |expected|, but\n"
                + "  Mismatched elements: 1 / 2 (50.0%)\n"
                + "  Greatest absolute difference: 5.00e-01 at index (1) (up to 1.00e-05 allowed)\n"
                + "  Greatest relative difference: 2.50e-01 at index (1) (up to 0.00e+00 allowed)\n"
                + "  At (1): actual 2.50000, expected 2.00000\n"
                + "  Cosine distance: 3.45e-03");
    }

    @Test
    void isCloseToNeedsNoGolden() {
        ReproAssertions.assertThatTensor(new float[] {1, 2}, 2).isCloseTo(new float[] {1, 2.000001f}, 1e-5, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReproAssertions.assertThatTensor(
                new float[] {1, 2}, 2).isCloseTo(new float[] {1, 3}, 1e-5, 0))
                .isInstanceOf(org.opentest4j.AssertionFailedError.class)
                .hasMessageContaining("  At (1): actual 2.00000, expected 3.00000\n");
    }

    @Test
    void summary_create() {
        ActualTensor actual = ActualTensor.of(new float[] {1, 2}, new long[] {2}, false);
        assertThat(GoldenMessages.summary(actual, new float[] {1, 2.5f}, 1)).isEqualTo(
                "float32[2] with 2.50000 at (1)");
        assertThat(GoldenMessages.summary(actual, actual.data(), -1)).isEqualTo("float32[2]");
    }

    @Test
    void unreadGoldens_create() {
        GoldenInventory inventory = new GoldenInventory(Path.of("goldens"), Map.of("a", Map.of("default", "a.s"),
                "ddim/b", Map.of("cpu", "b.s", "default", "b2.s")), List.of(new GoldenInventory.Problem(
                Path.of("goldens/c.json"), "corrupt manifest at line 1, column 2: x")), List.of("d.safetensors"),
                List.of());
        assertThat(GoldenMessages.unread(inventory, List.of("a@default", "ddim/b@cpu"))).isEqualTo(
                "reprodiff: 2 of 3 goldens in goldens were not read by this run (obsolete if the run included every"
                        + " test; nothing was deleted):\n"
                        + "  a (default)\n"
                        + "  ddim/b (cpu)\n"
                        + "reprodiff: no manifest references d.safetensors (left by an interrupted recording; the"
                        + " next recording of its golden removes it)\n"
                        + "reprodiff: cannot use goldens/c.json: corrupt manifest at line 1, column 2: x");
        assertThat(GoldenMessages.partialRun("-Dtest=DdimTest")).isEqualTo(
                "reprodiff: partial run (-Dtest=DdimTest): unread goldens not checked");
    }

    @Test
    void attachmentNamesKeepTheGoldensFolders() {
        assertThat(GoldenMessages.attachmentName("a/x", ".actual.png")).isEqualTo("a+x.actual.png");
        assertThat(GoldenMessages.attachmentName("b/x", ".actual.png")).isEqualTo("b+x.actual.png");
        assertThat(GoldenMessages.attachmentName("x".repeat(250), ".difference.png").getBytes(
                java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(255);
    }

    @Test
    void duplicate_create() {
        assertThat(GoldenMessages.duplicate(ORIGIN, "ddim/seed", "default", "it.DdimTest#seeds [1] 0",
                "it.DdimTest#seeds [2] 1", "ddim/seed-1")).isEqualTo(
                "[DDIMPipeline tiny, step 3 of 10, @Seeded(0)]\n"
                        + "Golden \"ddim/seed\" (default) is recorded twice in this run: by it.DdimTest#seeds [1] 0"
                        + " and by it.DdimTest#seeds [2] 1; one would overwrite the other, and the next run would"
                        + " fail. Give each invocation a golden of its own, with the parameter in its name, for"
                        + " example matchesGolden(\"ddim/seed-\" + parameter), which here gives \"ddim/seed-1\"\n"
                        + "Seeds: @Seeded(0)\n"
                        + "Replay: mvn test -Dtest='DdimTests#tiny'\n"
                        + "Record: mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record");
    }

    @Test
    void nonFiniteRefused_create() {
        ActualTensor actual = ActualTensor.of(new float[] {1, Float.NaN, Float.POSITIVE_INFINITY, 2},
                new long[] {2, 2}, false);
        assertThat(GoldenMessages.nonFiniteRefused(ORIGIN, "ddim/tiny", actual, 2, 1)).isEqualTo(
                "[DDIMPipeline tiny, step 3 of 10, @Seeded(0)]\n"
                        + "Not recording golden \"ddim/tiny\": float32[2, 2] holds 2 NaN or infinite values (the"
                        + " first, NaN, at index (0, 1)). A golden is a reference of finite values; if these are what"
                        + " the test expects, allow them with reprodiff.golden.allowNonFinite=true\n"
                        + "Seeds: @Seeded(0)\n"
                        + "Replay: mvn test -Dtest='DdimTests#tiny'\n"
                        + "Record: mvn test -Dtest='DdimTests#tiny' -Dreprodiff.golden.mode=record");
    }

    @Test
    void tolerancePairs() {
        assertThat(Tolerances.pair(XEON, XEON)).isEqualTo("sameCpuModel");
        assertThat(Tolerances.pair(XEON, EPYC)).isEqualTo("otherCpu");
        assertThat(Tolerances.pair(XEON, H200)).isEqualTo("cpuVsGpu");
        assertThat(Tolerances.pair(H200, H200)).isEqualTo("sameGpuModel");
        Platform a100 = new Platform("Linux", "amd64", "AMD EPYC 7763", "avx2", "gpu", "NVIDIA A100", "8.0", "12.4",
                "2.7.1", "0.36.0", 4, Map.of());
        assertThat(Tolerances.pair(H200, a100)).isEqualTo("otherGpu");
        assertThat(H200.deviceKey()).isEqualTo("gpu-nvidia-h200");
    }

    @Test
    void aCpuDeviceKeyEndsWithItsKernelsInstructionSet() {
        assertThat(EPYC.deviceKey()).isEqualTo("cpu-amd-epyc-7763-avx2");
        assertThat(XEON.deviceKey()).isEqualTo("cpu-intel-r-xeon-r-gold-6338-avx512");
        Platform unknown = new Platform("Linux", "amd64", "AMD EPYC", null, "cpu", "AMD EPYC", null, null, "2.7.1",
                "0.36.0", 1, Map.of());
        assertThat(unknown.deviceKey()).isEqualTo("cpu-amd-epyc");
    }

    @Test
    void dtypeDefaultsAreAssertClosesDefaults() {
        assertThat(Tolerance.defaultFor("float32")).isEqualTo(new Tolerance(1e-5, 1.3e-6,
                "torch.testing.assert_close's default for float32"));
        assertThat(Tolerance.defaultFor("float64")).isEqualTo(new Tolerance(1e-7, 1e-7,
                "torch.testing.assert_close's default for float64"));
        assertThat(Tolerance.defaultFor("float16")).isEqualTo(new Tolerance(1e-5, 1e-3,
                "torch.testing.assert_close's default for float16"));
        assertThat(Tolerance.defaultFor("bfloat16")).isEqualTo(new Tolerance(1e-5, 1.6e-2,
                "torch.testing.assert_close's default for bfloat16"));
    }

    @Test
    void compareLikeAssertClose() {
        float inf = Float.POSITIVE_INFINITY;
        assertThat(TensorComparison.countMismatches(new float[] {inf, -inf, Float.NaN, 1f},
                new float[] {inf, inf, Float.NaN, 1.0000001f}, 1e-5, 1.3e-6)).isEqualTo(2);
        assertThat(TensorComparison.countMismatches(new float[] {1f, 2f}, new float[] {1f, Math.nextUp(2f)}, 0, 0))
                .isEqualTo(1);
        assertThat(TensorComparison.firstBitDifference(new float[] {Float.NaN, 0f}, new float[] {Float.NaN, -0f}))
                .isEqualTo(1);
    }

    @Test
    void repeatDifference_create() {
        List<GoldenSession.Captured> first = List.of(new GoldenSession.Captured("latents",
                ActualTensor.of(new float[] {1, 2}, new long[] {2}, false)));
        List<GoldenSession.Captured> reshaped = List.of(new GoldenSession.Captured("latents",
                ActualTensor.of(new float[] {1, 2}, new long[] {1, 2}, false)));
        assertThat(DeterminismMessages.difference(first, reshaped, 2)).hasValue(
                "  \"latents\" is float32[2] in run 1 but float32[1, 2] in run 2");
        assertThat(DeterminismMessages.difference(first, first, 2)).isEmpty();
    }
}
