package dev.reprodiff.cli;

import dev.reprodiff.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every seed the CLI prints is accepted back by {@code --seed}; a seed that is not one is an error, never random. */
class SeedArgumentTests {

    private static final Pattern PRINTED_SEED = Pattern.compile("^seed (\\d+) \\(", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    @Test
    void aRunWithoutSeedPrintsOneThatReplaysItBitForBit() throws IOException {
        Path fresh = dir.resolve("fresh.safetensors");
        assertThat(run("generate", "--scheduler", "ddpm", "--steps", "2", "--out", fresh.toString()))
                .as(err.toString()).isZero();
        Matcher printed = PRINTED_SEED.matcher(out.toString());
        assertThat(printed.find()).as(out.toString()).isTrue();
        String seed = printed.group(1);
        assertThat(SafeTensors.readHeader(fresh).metadata()).containsEntry("seeds", seed);

        Path replay = dir.resolve("replay.safetensors");
        assertThat(run("generate", "--scheduler", "ddpm", "--steps", "2", "--seed", seed, "--out", replay.toString()))
                .as(err.toString()).isZero();
        assertThat(Files.readAllBytes(replay)).isEqualTo(Files.readAllBytes(fresh));
    }

    /** The unsigned seeds from 2^63 up, which half of all fresh seeds are, and their signed spelling. */
    @Test
    void unsignedSeedsFromTwoToTheSixtyThreeUpAreAccepted() throws IOException {
        Path unsigned = dir.resolve("unsigned.safetensors");
        Path signed = dir.resolve("signed.safetensors");
        assertThat(run("generate", "--scheduler", "ddim", "--steps", "1", "--seed", "18446744073709551615",
                "--out", unsigned.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("seed 18446744073709551615 (one generator for the batch of 1)");
        assertThat(run("generate", "--scheduler", "ddim", "--steps", "1", "--seed", "-1", "--out", signed.toString()))
                .as(err.toString()).isZero();
        assertThat(Files.readAllBytes(signed)).isEqualTo(Files.readAllBytes(unsigned));

        Path noise = dir.resolve("noise.safetensors");
        assertThat(run("noise", "--seed", "9223372036854775808,18446744073709551615", "--shape", "2,3", "--out",
                noise.toString())).as(err.toString()).isZero();
        assertThat(SafeTensors.readHeader(noise).metadata())
                .containsEntry("seeds", "9223372036854775808,18446744073709551615");
    }

    @Test
    void anEmptyOrMalformedSeedIsAnErrorBeforeAnythingRuns() {
        String range = "an integer from -9223372036854775808 to 18446744073709551615 (seeds are 64-bit; negative"
                + " ones count from 2^64, as torch.Generator.manual_seed reads them)";
        Path file = dir.resolve("never.safetensors");
        assertThat(run("generate", "--seed", ",", "--out", file.toString())).isEqualTo(1);
        assertThat(run("generate", "--seed", "1,,2", "--out", file.toString())).isEqualTo(1);
        assertThat(run("noise", "--seed", "18446744073709551616", "--shape", "2", "--out", file.toString()))
                .isEqualTo(1);
        assertThat(run("noise", "--seed", "0x10", "--shape", "2", "--out", file.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).containsExactly(
                "reprodiff generate: --seed ',' has an empty seed: pass --seed S or --seed S1,S2,... with each S "
                        + range + ", or leave --seed out for a fresh seed",
                "reprodiff generate: --seed '1,,2' has an empty seed: pass --seed S or --seed S1,S2,... with each S "
                        + range + ", or leave --seed out for a fresh seed",
                "reprodiff noise: --seed '18446744073709551616': '18446744073709551616' is not a seed; expected "
                        + range,
                "reprodiff noise: --seed '0x10': '0x10' is not a seed; expected " + range);
        assertThat(out.toString()).isEmpty();
        assertThat(file).doesNotExist();
    }

    private int run(String... args) {
        out = new StringWriter();
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
