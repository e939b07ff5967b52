package dev.reprodiff.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every case of the reference generator fixtures (torch.Generator("cpu") draws recorded by PyTorch): float32 normals,
 * all uniforms and the engine state carried across calls are bit for bit. float64 normals go through glibc's
 * {@code log}/{@code sin}/{@code cos} in PyTorch and through correctly rounded functions here; glibc misrounds a few
 * angles, so those are held to {@value #FLOAT64_NORMAL_ULPS} ulps (and {@link LibtorchOracleTests} measures how
 * many are exact).
 */
class GeneratorFixtureTests {

    static final int FLOAT64_NORMAL_ULPS = 2;

    private static Fixtures fixtures;

    @BeforeAll
    static void loadFixtures() {
        fixtures = Fixtures.load("generator");
    }

    @AfterAll
    static void closeFixtures() {
        fixtures.close();
    }

    static Stream<Arguments> drawCases() {
        Fixtures f = Fixtures.load("generator");
        try {
            return StreamSupport.stream(f.manifest().get("cases").spliterator(), false)
                    .filter(c -> c.has("calls"))
                    .map(c -> Arguments.of(Named.of(describe(c), c)))
                    .toList().stream();
        } finally {
            f.close();
        }
    }

    @ParameterizedTest
    @MethodSource("drawCases")
    void drawsTheSameBitsAsTorch(JsonNode testCase) {
        Generator generator = new Generator().manualSeed(testCase.get("seed").asLong());
        for (JsonNode call : testCase.get("calls")) {
            String tensor = call.has("tensor") ? call.get("tensor").asText() : testCase.get("name").asText();
            NDArray expected = fixtures.tensor(tensor);
            int size = Math.toIntExact(expected.size());
            boolean randn = call.get("op").asText().equals("randn");
            if (call.get("dtype").asText().equals("float32")) {
                float[] actual = randn ? generator.randn(new float[size]) : generator.rand(new float[size]);
                assertBitsEqual(actual, expected.toFloatArray(), tensor);
            } else if (randn) {
                double[] actual = generator.randn(new double[size]);
                assertWithinUlps(actual, expected.toDoubleArray(), FLOAT64_NORMAL_ULPS, tensor);
            } else {
                assertBitsEqual(generator.rand(new double[size]), expected.toDoubleArray(), tensor);
            }
        }
    }

    static void assertBitsEqual(float[] actual, float[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            int a = Float.floatToRawIntBits(actual[i]);
            int e = Float.floatToRawIntBits(expected[i]);
            assertThat(a).as("%s[%d]: actual %s, expected %s (%d ulp)", what, i, actual[i], expected[i],
                    Math.abs(a - e)).isEqualTo(e);
        }
    }

    static void assertBitsEqual(double[] actual, double[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            long a = Double.doubleToRawLongBits(actual[i]);
            long e = Double.doubleToRawLongBits(expected[i]);
            assertThat(a).as("%s[%d]: actual %s, expected %s (%d ulp)", what, i, actual[i], expected[i],
                    Math.abs(a - e)).isEqualTo(e);
        }
    }

    static void assertWithinUlps(double[] actual, double[] expected, int ulps, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            long distance = Math.abs(Double.doubleToRawLongBits(actual[i]) - Double.doubleToRawLongBits(expected[i]));
            assertThat(distance).as("%s[%d]: actual %s, expected %s", what, i, actual[i], expected[i])
                    .isLessThanOrEqualTo(ulps);
        }
    }

    private static String describe(JsonNode c) {
        List<String> calls = new ArrayList<>();
        for (JsonNode call : c.get("calls")) {
            calls.add(call.get("op").asText() + call.get("shape") + " " + call.get("dtype").asText());
        }
        return "seed " + Long.toUnsignedString(c.get("seed").asLong()) + ": " + String.join(", then ", calls);
    }
}
