package dev.reprodiff.junit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.reprodiff.junit.ReproAssertions.assertThatTensor;
import static dev.reprodiff.junit.ReproAssertions.assertThatTrajectory;
import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static dev.reprodiff.junit.TestKit.onlyFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Goldens of real NDArrays, end to end, and the file layout as Python reads it. */
class GoldenLayoutTests {

    static volatile float offset;

    @TempDir
    Path goldens;

    private String[] config(String mode) {
        return new String[] {"reprodiff.golden.dir", goldens.toString(), "reprodiff.artifacts.dir",
                goldens.resolve("artifacts").toString(), "reprodiff.ci", "false", "reprodiff.golden.mode", mode};
    }

    @Seeded({0, 1})
    static class NoiseTestCase {
        @Test
        void noise(List<Generator> generators) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray base = RandomTensors.randnTensor(new Shape(2, 3, 8, 8), generators, DataType.FLOAT32,
                        manager);
                NDArray noise = base.add(offset);
                assertThatTensor(noise).as("randn_tensor, batch of 2").matchesGolden("noise/batch");
                List<NDArray> steps = new ArrayList<>();
                for (int step = 0; step < 4; step++) {
                    steps.add(base.mul(1f - 0.25f * step).add(step == 3 ? offset : 0f));
                }
                assertThatTrajectory(steps).matchesGolden("noise/trajectory");
                assertThatTensor(noise.toType(DataType.FLOAT16, false)).matchesGolden("noise/half");
            }
        }
    }

    @Test
    void recordAndVerifyNdArraysAndTrajectories() {
        offset = 0;
        assertAllSucceeded(execute(NoiseTestCase.class, config("record")), 1);
        assertAllSucceeded(execute(NoiseTestCase.class, config("verify")), 1);
        offset = 1e-3f;
        assertThat(onlyFailure(execute(NoiseTestCase.class, config("verify")))).hasMessageStartingWith(
                "[randn_tensor, batch of 2, @Seeded({0, 1})]\nExpecting actual:\n  float32[2, 3, 8, 8]\n")
                .hasMessageContaining("  Mismatched elements: ");
    }

    @Test
    void nameTheDivergingStepOfAnNdArrayTrajectory() throws IOException {
        offset = 0;
        assertAllSucceeded(execute(NoiseTestCase.class, config("record")), 1);
        // Re-record only the batch with an offset, so that the trajectory diverges at its last step alone.
        offset = 0.5f;
        Path batch = goldens.resolve("noise/batch.json");
        Files.delete(batch);
        assertThat(onlyFailure(execute(NoiseTestCase.class, config("record-missing")))).hasMessageContaining(
                "  First step out of tolerance: step 3 of 4 (counting from 0)\n"
                        + "  L-inf by step: 0.00e+00, 0.00e+00, 0.00e+00, 5.00e-01\n");
    }

    @Test
    void writeGoldensThatPythonReadsWithJsonAndStruct() throws IOException, InterruptedException {
        offset = 0;
        assertAllSucceeded(execute(NoiseTestCase.class, config("record")), 1);
        Path script = goldens.resolve("read.py");
        Files.writeString(script, String.join("\n",
                "import json, struct, sys, hashlib",
                "root = sys.argv[1]",
                "manifest = json.load(open(root + '/noise/batch.json'))",
                "variant = manifest['variants']['default']",
                "raw = open(root + '/' + variant['file'], 'rb').read()",
                "assert hashlib.sha256(raw).hexdigest() == variant['sha256']",
                "n, = struct.unpack('<Q', raw[:8])",
                "header = json.loads(raw[8:8 + n])",
                "info = header[variant['tensor']]",
                "assert info['dtype'] == 'F32' and info['shape'] == variant['shape'], info",
                "begin, end = info['data_offsets']",
                "data = struct.unpack('<%df' % ((end - begin) // 4), raw[8 + n + begin:8 + n + end])",
                "print(manifest['name'], variant['seeds'], variant['platform']['device_type'], len(data),"
                        + " '%.6f' % data[0])",
                ""));
        Process python;
        try {
            python = new ProcessBuilder("python3", script.toString(), goldens.toString()).redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is not installed");
            return;
        }
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        float first = Generator.seeded(0).randn(new float[192])[0];
        assertThat(output).isEqualTo(String.format(java.util.Locale.ROOT, "noise/batch [0, 1] cpu 384 %.6f",
                first));
        assertThat(python.exitValue()).isZero();
    }
}
