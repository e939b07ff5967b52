package dev.reprodiff.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Seeded;
import dev.reprodiff.pipelines.DDIMPipeline;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The guide's "Deterministic batch generation": four generators seeded 0 to 3 draw one image each, so image 0 can be
 * regenerated alone with a fresh generator seeded 0. The noise is bit-identical; the images agree to float rounding,
 * since the UNet's kernels round a batch of 4 differently from a batch of 1 (about 2e-6 here).
 */
class BatchGenerationTest {

    /** How far a batch-of-4 image may be from the same image generated alone. */
    static final float BATCH_ROUNDING = 1e-5f;

    private static DefaultPipeline model;

    @BeforeAll
    static void loadModel() {
        model = new DefaultPipeline();
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    private static ImagePipelineOutput generate(List<Generator> generators) {
        return model.ddim().call(DDIMPipeline.options().numInferenceSteps(2).outputType(OutputType.NP)
                .batchSize(generators.size()).generators(generators));
    }

    private static ImagePipelineOutput generateAlone(Generator generator) {
        return model.ddim().call(DDIMPipeline.options().numInferenceSteps(2).outputType(OutputType.NP)
                .generator(generator));
    }

    @Test
    @Seeded({0, 1, 2, 3})
    void imageZeroOfABatchSeededZeroToThreeIsRegeneratedAloneWithSeedZero(List<Generator> generators,
                                                                           Golden golden) {
        try (ImagePipelineOutput batch = generate(generators);
             ImagePipelineOutput alone = generateAlone(Generator.seeded(0))) {
            golden.verify("batch/seeds-0-to-3-np", batch.images());
            float[] first = batch.images().get(new NDIndex("0:1")).toFloatArray();
            float linf = linf(first, alone.images().toFloatArray());
            System.out.println("batch image 0 vs image 0 alone: L_inf = " + linf);
            assertThat(linf).isCloseTo(0f, within(BATCH_ROUNDING));
        }
    }

    @Test
    void noiseOfABatchIsBitIdenticalToEachImageDrawnAlone() {
        Shape image = new Shape(1, 3, 32, 32);
        float[] batch = RandomTensors.randnFloats(new long[] {4, 3, 32, 32},
                LongStream.range(0, 4).mapToObj(Generator::seeded).toList());
        for (int i = 0; i < 4; i++) {
            float[] alone = RandomTensors.randnFloats(image.getShape(), List.of(Generator.seeded(i)));
            float[] slice = java.util.Arrays.copyOfRange(batch, i * alone.length, (i + 1) * alone.length);
            assertThat(slice).as("noise of image %d", i).containsExactly(alone);
        }
    }

    @Test
    void fourGeneratorsAllSeededZeroGiveFourCopiesOfImageZero() {
        List<Generator> zeros = LongStream.range(0, 4).mapToObj(i -> Generator.seeded(0)).toList();
        try (ImagePipelineOutput batch = generate(zeros);
             ImagePipelineOutput alone = generateAlone(Generator.seeded(0))) {
            float[] reference = alone.images().toFloatArray();
            for (int i = 0; i < 4; i++) {
                NDArray image = batch.images().get(new NDIndex(i + ":" + (i + 1)));
                float linf = linf(image.toFloatArray(), reference);
                assertThat(linf).as("image %d vs image 0 alone", i).isCloseTo(0f, within(BATCH_ROUNDING));
            }
        }
    }

    private static float linf(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
