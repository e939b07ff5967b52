package dev.reprodiff.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeneratorTests {

    @Test
    void unseededGeneratorUsesTorchsDefaultSeed() {
        assertThat(new Generator().initialSeed()).isEqualTo(67280421310721L);
        assertThat(new Generator().randn(new float[20])).isEqualTo(Generator.seeded(67280421310721L).randn(new float[20]));
    }

    @Test
    void streamIsKeyedOnTheLowThirtyTwoBitsButTheFullSeedIsReported() {
        Generator high = Generator.seeded(4294967303L); // 2^32 + 7
        assertThat(high.initialSeed()).isEqualTo(4294967303L);
        assertThat(high.randn(new float[50])).isEqualTo(Generator.seeded(7).randn(new float[50]));
        assertThat(Generator.seeded(-1L).initialSeed()).isEqualTo(-1L);
        assertThat(Generator.seeded(-1L).toString()).isEqualTo("Generator(cpu, initialSeed=18446744073709551615)");
    }

    @Test
    void seedDrawsAFreshSeedAndReportsIt() {
        Generator generator = new Generator();
        long seed = generator.seed();
        assertThat(generator.initialSeed()).isEqualTo(seed);
        assertThat(generator.rand(new float[8])).isEqualTo(Generator.seeded(seed).rand(new float[8]));
    }

    @Test
    void manualSeedResetsTheStreamAndTheCachedNormal() {
        Generator generator = Generator.seeded(3);
        float[] first = generator.randn(new float[3]); // leaves a cached second Box-Muller sample
        generator.manualSeed(3);
        assertThat(generator.randn(new float[3])).isEqualTo(first);
    }

    @Test
    void smallDrawsConsumeTheCachedSecondSample() {
        Generator oneByOne = Generator.seeded(11);
        float[] single = new float[4];
        for (int i = 0; i < single.length; i++) {
            single[i] = oneByOne.randn(new float[1])[0];
        }
        assertThat(single).isEqualTo(Generator.seeded(11).randn(new float[4]));
    }

    @Test
    void stateSnapshotReplaysTheFollowingDraws() {
        Generator generator = Generator.seeded(5);
        generator.randn(new float[3]);
        GeneratorState state = generator.getState();
        float[] next = generator.randn(new float[33]);
        double[] after = generator.rand(new double[5]);

        generator.setState(state);
        assertThat(generator.randn(new float[33])).isEqualTo(next);
        assertThat(generator.rand(new double[5])).isEqualTo(after);
        assertThat(GeneratorState.fromBytes(state.toBytes())).isEqualTo(state);
        assertThat(state.toBytes()).hasSize(GeneratorState.BYTES);
    }

    @Test
    void corruptStateBytesAreRejected() {
        byte[] bytes = Generator.seeded(1).getState().toBytes();
        assertThatThrownBy(() -> GeneratorState.fromBytes(Arrays.copyOf(bytes, 100)))
                .hasMessage("A generator state has 2529 bytes; found 100. Was it written by GeneratorState.toBytes()?");
        bytes[0] = 0;
        assertThatThrownBy(() -> GeneratorState.fromBytes(bytes))
                .hasMessage("Not a generator state of version 1: found magic 0x52444700, version 1 (expected 0x52444753)");
    }

    @Test
    void cloneDrawsTheSameNumbersIndependently() {
        Generator original = Generator.seeded(9);
        original.randn(new float[5]);
        Generator copy = original.clone();
        float[] fromCopy = copy.randn(new float[100]);
        assertThat(original.randn(new float[100])).isEqualTo(fromCopy);
        assertThat(copy.initialSeed()).isEqualTo(9);
    }

    @Test
    void consecutiveDrawsDifferAsTheGuideDescribes() {
        Generator generator = Generator.seeded(0);
        assertThat(generator.randn(new float[16])).isNotEqualTo(generator.randn(new float[16]));
    }

    @Test
    void ndArrayDrawsMatchTheArrayDraws() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray normal = Generator.seeded(1).randn(manager, new Shape(2, 3, 4), DataType.FLOAT64);
            assertThat(normal.getDataType()).isEqualTo(DataType.FLOAT64);
            assertThat(normal.toDoubleArray()).isEqualTo(Generator.seeded(1).randn(new double[24]));
            NDArray uniform = Generator.seeded(1).rand(manager, new Shape(5));
            assertThat(uniform.toFloatArray()).isEqualTo(Generator.seeded(1).rand(new float[5]));
            assertThat(Generator.seeded(1).randn(manager, new Shape(0, 4)).getShape()).isEqualTo(new Shape(0, 4));
        }
    }

    @Test
    void ndArrayDrawsAcrossChunksMatchTheArrayDrawsAndLeaveTheSameState() {
        int[] sizes = {1, 15, 16, 17, Generator.CHUNK - 1, Generator.CHUNK, Generator.CHUNK + 16,
            2 * Generator.CHUNK + 5};
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int size : sizes) {
                Shape shape = new Shape(size);
                Generator inPlace = Generator.seeded(size);
                Generator reference = Generator.seeded(size);
                String what = "size " + size;
                assertThat(inPlace.randn(manager, shape).toFloatArray()).as(what)
                        .isEqualTo(reference.randn(new float[size]));
                assertThat(inPlace.randn(manager, shape, DataType.FLOAT64).toDoubleArray()).as(what)
                        .isEqualTo(reference.randn(new double[size]));
                assertThat(inPlace.rand(manager, shape).toFloatArray()).as(what)
                        .isEqualTo(reference.rand(new float[size]));
                assertThat(inPlace.rand(manager, shape, DataType.FLOAT64).toDoubleArray()).as(what)
                        .isEqualTo(reference.rand(new double[size]));
                assertThat(inPlace.getState()).as(what).isEqualTo(reference.getState());
            }
        }
    }

    @Test
    void unsupportedDtypeNamesTheFix() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> Generator.seeded(1).randn(manager, new Shape(2), DataType.FLOAT16))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Generator.randn draws float32 or float64, not float16. Draw float32 and convert"
                            + " with NDArray.toType(...) as diffusers' randn_tensor does.");
        }
    }

    @Test
    void randnTensorWithAListDrawsOneSlicePerGenerator() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<Generator> generators = List.of(Generator.seeded(0), Generator.seeded(1));
            NDArray batch = RandomTensors.randnTensor(new Shape(2, 3, 4, 4), generators, DataType.FLOAT32, manager);
            assertThat(batch.getShape()).isEqualTo(new Shape(2, 3, 4, 4));
            assertThat(batch.get(1).toFloatArray()).isEqualTo(Generator.seeded(1).randn(new float[48]));
            assertThat(RandomTensors.randnFloats(new long[] {2, 3, 4, 4},
                    List.of(Generator.seeded(0), Generator.seeded(1)))).isEqualTo(batch.toFloatArray());
        }
    }

    @Test
    void randnTensorRejectsAGeneratorListOfTheWrongLength() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<Generator> three = List.of(Generator.seeded(0), Generator.seeded(1), Generator.seeded(2));
            assertThatThrownBy(() -> RandomTensors.randnTensor(new Shape(4, 3, 8, 8), three, DataType.FLOAT32,
                    manager))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("A list of 3 generators draws one image each, but the batch size of shape"
                            + " (4, 3, 8, 8) is 4. Pass one generator per image, or a single generator for the"
                            + " whole batch.");
        }
    }
}
