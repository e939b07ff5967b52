package dev.reprodiff.junit;

import org.assertj.core.api.SoftAssertionsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Path;
import java.util.List;

import static dev.reprodiff.junit.ReproAssertions.assertThatTensor;
import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static dev.reprodiff.junit.TestKit.onlyFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TensorAssert follows AssertJ's conventions: subclassable, soft, with overridable messages and shape checks. */
class TensorAssertTests {

    /** What GoldenTestCase compares; set before each run. */
    static volatile float[] values = {1, 2, 3, 4};

    @TempDir
    Path goldens;

    @TempDir
    Path artifacts;

    /** A user's own assertion class, as AssertJ's documentation shows them. */
    static final class LatentsAssert extends AbstractTensorAssert<LatentsAssert> {

        LatentsAssert(ActualTensor actual) {
            super(actual, LatentsAssert.class);
        }

        static LatentsAssert assertThatLatents(float[] data, long... shape) {
            return new LatentsAssert(ActualTensor.of(data, shape, false));
        }

        LatentsAssert isFinite() {
            isNotNull();
            for (int i = 0; i < actual.data().length; i++) {
                if (!Float.isFinite(actual.data()[i])) {
                    failWithMessage("%nExpecting every element of:%n  %s%nto be finite, but element %d is %s",
                            actual.summary(), i, actual.data()[i]);
                }
            }
            return myself;
        }
    }

    @Test
    void aSubclassChainsItsOwnAndTheInheritedAssertions() {
        LatentsAssert.assertThatLatents(new float[] {1, 2}, 1, 2).hasShape(1, 2).isFinite()
                .isCloseTo(new float[] {1, 2}, 0, 0).isFinite();
        assertThatThrownBy(() -> LatentsAssert.assertThatLatents(new float[] {1, Float.NaN}, 2).as("latents")
                .hasShape(2).isFinite())
                .isInstanceOf(AssertionError.class)
                .hasMessage("[latents] \nExpecting every element of:\n  float32[2]\nto be finite, but element 1 is NaN");
    }

    @Test
    void softAssertionsCollectEveryFailureAndThenReportThemTogether() {
        ReproSoftAssertions softly = new ReproSoftAssertions();
        int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;  // AssertJ names where each failed
        softly.assertThatTensor(new float[] {1, 2}, 2).as("first").hasShape(1, 2);
        softly.assertThatTensor(new float[] {1, 2}, 2).as("second").isCloseTo(new float[] {1, 2.5f}, 1e-5, 0);
        softly.assertThatTensor(new float[] {1, 2}, 2).hasShape(2).isCloseTo(new float[] {1, 2}, 0, 0);
        softly.assertThat(1).isEqualTo(1);

        List<AssertionError> errors = softly.assertionErrorsCollected();
        assertThat(errors).hasSize(2);
        String at = "\nat TensorAssertTests.softAssertionsCollectEveryFailureAndThenReportThemTogether"
                + "(TensorAssertTests.java:";
        assertThat(errors.get(0)).hasMessage("[first] \nExpecting actual:\n  float32[2]\nto have shape:\n  [1, 2]"
                + at + line + ")");
        assertThat(errors.get(1)).hasMessage("[second]\n"
                        + "Expecting actual:\n"
                        + "  float32[2]\n"
                        + "to be close to expected:\n"
                        + "  float32[2]\n"
                        + "within |actual - expected| <= 1.0e-05 + 0.0e+00 * |expected|, but\n"
                        + "  Mismatched elements: 1 / 2 (50.0%)\n"
                        + "  Greatest absolute difference: 5.00e-01 at index (1) (up to 1.00e-05 allowed)\n"
                        + "  Greatest relative difference: 2.00e-01 at index (1) (up to 0.00e+00 allowed)\n"
                        + "  At (1): actual 2.00000, expected 2.50000\n"
                        + "  Cosine distance: 3.45e-03" + at + (line + 1) + ")");
        assertThatThrownBy(softly::assertAll).hasMessageContaining("Multiple Failures (2 failures)");
    }

    @Test
    void softAssertionsWorkThroughAssertJsProviderToo() {
        assertThatThrownBy(() -> SoftAssertionsProvider.assertSoftly(ReproSoftAssertions.class,
                softly -> softly.assertThatTensor(new float[] {1}, 1).hasShape(2)))
                .hasMessageContaining("Expecting actual:\n  float32[1]\nto have shape:\n  [2]");
    }

    @Test
    void isCloseToComparesShapesNotOnlyElementCounts() {
        assertThatThrownBy(() -> assertThatTensor(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).as("latents")
                .isCloseTo(new float[] {1, 2, 3, 4, 5, 6}, new long[] {3, 2}, 0, 0))
                .isInstanceOf(AssertionError.class)
                .hasMessage("[latents] \nExpecting actual:\n  float32[2, 3]\nto have the shape of expected:\n"
                        + "  float32[3, 2]\nbut the shapes differ");
        assertThatThrownBy(() -> assertThatTensor(new float[] {1, 2}, 2).isCloseTo(new float[] {1, 2, 3}, 0, 0))
                .hasMessage("\nExpecting actual:\n  float32[2]\nto be close to 3 elements, but it has 2");
    }

    @Test
    void withFailMessageReplacesTheMessageOfIsCloseTo() {
        assertThatThrownBy(() -> assertThatTensor(new float[] {1, 2}, 2).as("latents")
                .withFailMessage("step %d drifted", 3).isCloseTo(new float[] {1, 3}, 1e-5, 0))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessage("[latents] step 3 drifted");
        assertThatThrownBy(() -> assertThatTensor(new float[] {1, 2}, 2)
                .overridingErrorMessage("wrong values").isCloseTo(new float[] {1, 3}, 1e-5, 0))
                .hasMessage("wrong values");
    }

    @Test
    void withFailMessageReplacesTheMessageOfHasShapeAndOfTheShapeCheck() {
        assertThatThrownBy(() -> assertThatTensor(new float[] {1, 2}, 2).withFailMessage("not a pair of rows")
                .hasShape(2, 1))
                .hasMessage("not a pair of rows");
        assertThatThrownBy(() -> assertThatTensor(new float[] {1, 2}, 2).withFailMessage("transposed")
                .isCloseTo(new float[] {1, 2}, new long[] {2, 1}, 0, 0))
                .hasMessage("transposed");
    }

    @Goldens
    static class GoldenTestCase {
        @Test
        void compare() {
            assertThatTensor(values, 2, 2).as("tiny").withFailMessage("the tiny golden moved").matchesGolden("tiny");
        }
    }

    @Test
    void withFailMessageReplacesTheMessageOfMatchesGolden() {
        values = new float[] {1, 2, 3, 4};
        assertAllSucceeded(execute(GoldenTestCase.class, config("reprodiff.golden.mode", "record")), 1);
        values = new float[] {1, 2, 3, 4.5f};
        try {
            assertThat(onlyFailure(execute(GoldenTestCase.class, config())))
                    .isInstanceOf(AssertionFailedError.class)
                    .hasMessage("[tiny] the tiny golden moved")
                    .cause().hasMessageContaining("Mismatched elements: 1 / 4 (25.0%)");
        } finally {
            values = new float[] {1, 2, 3, 4};
        }
    }

    private String[] config(String... more) {
        String[] base = {"reprodiff.golden.dir", goldens.toString(), "reprodiff.artifacts.dir", artifacts.toString(),
            "reprodiff.ci", "false"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
