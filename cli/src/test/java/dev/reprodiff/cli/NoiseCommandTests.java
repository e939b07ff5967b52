package dev.reprodiff.cli;

import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.io.SafeTensorsHeader;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NoiseCommandTests {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void oneSeedDrawsTheWholeShapeAsTorchRandnDoes() throws Exception {
        Path file = dir.resolve("noise.safetensors");
        int exit = run("noise", "--seed", "0", "--shape", "2,3", "--out", file.toString());

        assertThat(exit).as(err.toString()).isZero();
        // torch.manual_seed(0); torch.randn(2, 3)
        assertThat(SafeTensors.readFloats(file, "noise"))
                .containsExactly(1.5409960746765137f, -0.293428897857666f, -2.1787893772125244f, 0.5684312582015991f,
                        -1.0845223665237427f, -1.3985954523086548f);
        SafeTensorsHeader header = SafeTensors.readHeader(file);
        assertThat(header.names()).containsExactly("noise");
        assertThat(header.metadata()).containsEntry("seeds", "0").containsEntry("op", "randn")
                .containsEntry("dtype", "float32").containsEntry("generators", "one for the whole shape");
        assertThat(out.toString()).isEqualTo(String.format(
                "randn float32 (2, 3) with seed 0 (one for the whole shape)%nsum(|noise|) = 7.0648%nwrote %s%n",
                file));
    }

    @Test
    void severalSeedsDrawOneBatchItemEach() throws Exception {
        Path file = dir.resolve("batch.safetensors");
        int exit = run("noise", "--seed", "7,123", "--shape", "2,4,8,8", "--out", file.toString());

        assertThat(exit).as(err.toString()).isZero();
        float[] expected = RandomTensors.randnFloats(new long[] {2, 4, 8, 8},
                List.of(Generator.seeded(7), Generator.seeded(123)));
        assertThat(SafeTensors.readFloats(file, "noise")).containsExactly(expected);
        assertThat(SafeTensors.readHeader(file).tensor("noise").orElseThrow().shape()).isEqualTo(new ai.djl.ndarray.types.Shape(2, 4, 8, 8));
    }

    @Test
    void uniformFloat64UsesFiftyThreeBitDraws() throws Exception {
        Path file = dir.resolve("rand.safetensors");
        int exit = run("noise", "--seed", "42", "--shape", "5", "--op", "rand", "--dtype", "float64",
                "--out", file.toString());

        assertThat(exit).as(err.toString()).isZero();
        assertThat(SafeTensors.readDoubles(file, "noise")).containsExactly(Generator.seeded(42).rand(new double[5]));
    }

    @Test
    void withoutSeedAFreshSeedIsDrawnAndPrinted() throws Exception {
        Path file = dir.resolve("fresh.safetensors");
        assertThat(run("noise", "--shape", "4", "--out", file.toString())).isZero();
        String seed = SafeTensors.readHeader(file).metadata().get("seeds");
        assertThat(out.toString()).startsWith("randn float32 (4) with seed " + seed + " (");
        assertThat(SafeTensors.readFloats(file, "noise"))
                .containsExactly(Generator.seeded(Long.parseUnsignedLong(seed)).randn(new float[4]));
    }

    @Test
    void seedListOfTheWrongLengthIsAnErrorAndWritesNothing() {
        Path file = dir.resolve("never.safetensors");
        int exit = run("noise", "--seed", "1,2,3", "--shape", "2,4", "--out", file.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo(String.format("reprodiff noise: A list of 3 generators draws one image"
                + " each, but the batch size of shape (2, 4) is 2. Pass one generator per image, or a single"
                + " generator for the whole batch.%n"));
        assertThat(Files.exists(file)).isFalse();
    }

    @Test
    void missingShapeIsAUsageError() {
        assertThat(run("noise", "--out", dir.resolve("x.safetensors").toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("Missing required option: '--shape=D'");
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
