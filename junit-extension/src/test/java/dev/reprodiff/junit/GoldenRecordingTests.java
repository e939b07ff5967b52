package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.GoldenResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.reprodiff.junit.TestKit.MVN_TEST;
import static dev.reprodiff.junit.TestKit.assertAllSucceeded;
import static dev.reprodiff.junit.TestKit.execute;
import static dev.reprodiff.junit.TestKit.failures;
import static dev.reprodiff.junit.TestKit.onlyFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What recording writes, and when it refuses to: only for passing tests, never twice in a run, never NaN. */
class GoldenRecordingTests {

    static volatile float[] values = {1, 2, 3, 4};
    static volatile boolean failAfterRecording;

    @TempDir
    Path goldens;

    @TempDir
    Path artifacts;

    @BeforeEach
    void reset() {
        values = new float[] {1, 2, 3, 4};
        failAfterRecording = false;
    }

    private EngineExecutionResults run(Class<?> testCase, String... more) {
        List<String> all = new ArrayList<>(List.of("reprodiff.golden.dir", goldens.toString(),
                "reprodiff.artifacts.dir", artifacts.toString(), "reprodiff.ci", "false", "test", ""));
        all.addAll(List.of(more));
        return execute(testCase, all.toArray(new String[0]));
    }

    private EngineExecutionResults record(Class<?> testCase, String... more) {
        List<String> all = new ArrayList<>(List.of(more));
        all.addAll(List.of("reprodiff.golden.mode", "record"));
        return run(testCase, all.toArray(new String[0]));
    }

    private List<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString()).sorted().toList();
        }
    }

    private GoldenResult result(String testPath, String golden) throws IOException {
        return GoldenResult.read(artifacts.resolve("results").resolve(testPath).resolve(golden + ".json"));
    }

    // ---- record only on success

    @Goldens
    static class RecordThenFailTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("two-by-two", values, 2, 2);
            if (failAfterRecording) {
                throw new AssertionError("fails after recording");
            }
        }
    }

    @Goldens
    static class FailingTearDownTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("two-by-two", values, 2, 2);
        }

        @AfterEach
        void tearDown() {
            throw new IllegalStateException("tear-down fails");
        }
    }

    @Test
    void aTestThatFailsAfterRecordingLeavesNoGolden() throws IOException {
        failAfterRecording = true;
        assertThat(onlyFailure(record(RecordThenFailTestCase.class))).hasMessage("fails after recording");
        assertThat(goldens).isEmptyDirectory();
        GoldenResult result = result("GoldenRecordingTests$RecordThenFailTestCase/compare", "two-by-two");
        assertThat(result.status()).isEqualTo(GoldenResult.Status.DISCARDED);
        assertThat(result.message()).isEqualTo("not written: the test failed (java.lang.AssertionError: fails"
                + " after recording)");
    }

    @Test
    void aTestThatFailsAfterReRecordingKeepsTheOldGolden() throws IOException {
        assertAllSucceeded(record(RecordThenFailTestCase.class), 1);
        List<String> before = filesUnder(goldens);
        String manifest = Files.readString(goldens.resolve("two-by-two.json"));
        values = new float[] {5, 6, 7, 8};
        failAfterRecording = true;
        onlyFailure(record(RecordThenFailTestCase.class));
        assertThat(filesUnder(goldens)).isEqualTo(before);
        assertThat(goldens.resolve("two-by-two.json")).hasContent(manifest);
    }

    @Test
    void aFailingTearDownKeepsTheGoldenUnwritten() {
        assertThat(onlyFailure(record(FailingTearDownTestCase.class))).hasMessage("tear-down fails");
        assertThat(goldens).isEmptyDirectory();
    }

    // ---- one golden, one invocation

    @Goldens
    static class DuplicateTestCase {
        @ParameterizedTest
        @ValueSource(ints = {1, 2})
        void seeds(int seed, Golden golden) {
            golden.verify("ddim/seed", new float[] {seed}, 1);
        }
    }

    @Test
    void twoInvocationsRecordingOneGoldenAreRefusedByName() throws IOException {
        for (String mode : List.of("record", "record-missing")) {
            Files.deleteIfExists(goldens.resolve("ddim/seed.json"));
            EngineExecutionResults results = run(DuplicateTestCase.class, "reprodiff.golden.mode", mode);
            assertThat(results.testEvents().succeeded().count()).isEqualTo(1);
            String test = "dev.reprodiff.junit.GoldenRecordingTests$DuplicateTestCase#seeds";
            assertThat(onlyFailure(results)).hasMessage("[GoldenRecordingTests$DuplicateTestCase#seeds]\n"
                    + "Golden \"ddim/seed\" (default) is recorded twice in this run: by " + test + " [1] 1 and by "
                    + test + " [2] 2; one would overwrite the other, and the next run would fail. Give each"
                    + " invocation a golden of its own, with the parameter in its name, for example"
                    + " matchesGolden(\"ddim/seed-\" + parameter), which here gives \"ddim/seed-2\"\n"
                    + "Replay: " + MVN_TEST + " -Dtest='GoldenRecordingTests$DuplicateTestCase#seeds'\n"
                    + "Record: " + MVN_TEST + " -Dtest='GoldenRecordingTests$DuplicateTestCase#seeds'"
                    + " -Dreprodiff.golden.mode=record");
            GoldenManifest.Variant kept = new GoldenStore(goldens).readManifest("ddim/seed").orElseThrow()
                    .variants.get("default");
            assertThat(kept.test()).isEqualTo(test + " [1] 1");
        }
    }

    // ---- non-finite values

    @Goldens
    static class NonFiniteTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify("nan", values, 2, 2);
        }
    }

    @Test
    void aGoldenIsNeverRecordedFromNonFiniteValuesWithoutTheOptIn() {
        values = new float[] {1, Float.NaN, 3, Float.POSITIVE_INFINITY};
        assertThat(onlyFailure(record(NonFiniteTestCase.class))).hasMessage(
                "[GoldenRecordingTests$NonFiniteTestCase#compare]\n"
                        + "Not recording golden \"nan\": float32[2, 2] holds 2 NaN or infinite values (the first, NaN,"
                        + " at index (0, 1)). A golden is a reference of finite values; if these are what the test"
                        + " expects, allow them with reprodiff.golden.allowNonFinite=true\n"
                        + "Replay: " + MVN_TEST + " -Dtest='GoldenRecordingTests$NonFiniteTestCase#compare'\n"
                        + "Record: " + MVN_TEST + " -Dtest='GoldenRecordingTests$NonFiniteTestCase#compare'"
                        + " -Dreprodiff.golden.mode=record");
        assertThat(goldens).isEmptyDirectory();
        assertAllSucceeded(record(NonFiniteTestCase.class, Goldens.ALLOW_NON_FINITE_PROPERTY, "true"), 1);
        // NaN never matches, so a golden holding one fails, and says where.
        assertThat(onlyFailure(run(NonFiniteTestCase.class))).hasMessageContaining("  Mismatched elements: 1 / 4"
                + " (25.0%)\n  First non-finite mismatch at index (0, 1): actual NaN, golden NaN (NaN or infinite"
                + " elements: 2 in actual, 2 in golden)\n  Every finite element is equal\n");
    }

    // ---- names

    @Test
    void refuseNamesThatWriteHiddenFilesOrAliasAnother() {
        for (String name : List.of(".", "a/.", "./x", "a/./x", ".hidden", "a//b", "x/", "")) {
            assertThatIllegalArgumentException().as(name).isThrownBy(() -> GoldenStore.checkName(name))
                    .withMessageStartingWith("Invalid golden name \"" + name + "\": ");
        }
        assertThatIllegalArgumentException().isThrownBy(() -> GoldenStore.checkName("n".repeat(251)));
        GoldenStore.checkName("ddim/tiny-2.steps_v1");
        GoldenStore.checkName("n".repeat(250));
    }

    static final String LONG_NAME = "long/" + "n".repeat(240);

    @Goldens
    static class LongNameTestCase {
        @Test
        void compare(Golden golden) {
            golden.verify(LONG_NAME, values, 1, 1, 2, 2);
        }
    }

    @Test
    void aGoldenWithA240CharacterNameRecordsVerifiesAndLeavesItsArtifacts() throws IOException {
        assertAllSucceeded(record(LongNameTestCase.class), 1);
        assertAllSucceeded(run(LongNameTestCase.class), 1);
        values = new float[] {1, 2, 3, 5};
        assertThat(onlyFailure(run(LongNameTestCase.class))).hasMessageContaining("Mismatched elements: 1 / 4");
        for (Path root : List.of(goldens, artifacts)) {
            try (Stream<Path> files = Files.walk(root)) {
                assertThat(files.map(f -> f.getFileName().toString().getBytes(StandardCharsets.UTF_8).length))
                        .allMatch(length -> length <= 255);
            }
        }
        assertThat(filesUnder(artifacts)).anyMatch(f -> f.endsWith(".actual.png"))
                .anyMatch(f -> f.endsWith("~0c441b63.actual.safetensors"));
    }

    // ---- a golden that changed on disk

    @Test
    void aGoldenSavedAgainAsFloat16SaysTheDtypeChanged() throws IOException {
        assertAllSucceeded(record(NonFiniteTestCase.class), 1);
        Path file = goldens.resolve(new GoldenStore(goldens).readManifest("nan").orElseThrow().variants
                .get("default").file());
        byte[] header = "{\"golden\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}"
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer f16 = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        f16.putLong(header.length).put(header);
        for (short half : new short[] {0x3c00, 0x4000, 0x4200, 0x4400}) {   // 1, 2, 3, 4
            f16.putShort(half);
        }
        Files.write(file, f16.array());
        assertThat(onlyFailure(run(NonFiniteTestCase.class))).hasMessage("Golden file " + file + " holds golden as"
                + " F16, but goldens are written as F32 (its manifest " + goldens.resolve("nan.json") + " recorded a"
                + " float32 tensor): the file was saved again with another dtype; restore it, or record the golden"
                + " again");
    }

    // ---- files

    @Test
    void manifestsAndTensorsGetTheSameUmaskPermissions() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        assertAllSucceeded(record(NonFiniteTestCase.class), 1);
        Path plain = goldens.resolve("plain");
        Files.newOutputStream(plain).close();
        var expected = Files.getPosixFilePermissions(plain);
        GoldenManifest.Variant variant = new GoldenStore(goldens).readManifest("nan").orElseThrow().variants
                .get("default");
        assertThat(Files.getPosixFilePermissions(goldens.resolve("nan.json"))).isEqualTo(expected);
        assertThat(Files.getPosixFilePermissions(goldens.resolve(variant.file()))).isEqualTo(expected);
    }

    @Test
    void ciOneIsCi() {
        assertThat(onlyFailure(record(NonFiniteTestCase.class, "reprodiff.ci", "1"))).hasMessageEndingWith(
                "goldens are never written on CI unless reprodiff.golden.forceRecord=true");
        assertThat(goldens).isEmptyDirectory();
        assertAllSucceeded(record(NonFiniteTestCase.class, "reprodiff.ci", "0"), 1);
    }

    @Test
    void removeTheTemporaryFilesThatAKilledRecordingLeft() throws IOException, InterruptedException {
        Process gone = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-version").redirectErrorStream(true).start();
        gone.getInputStream().readAllBytes();
        gone.waitFor();
        Path leftover = Files.createDirectories(goldens.resolve("sub")).resolve(".reprodiff-" + gone.pid()
                + "-1a2b.tmp");
        Files.writeString(leftover, "half a tensor");
        Path inFlight = goldens.resolve(".reprodiff-" + ProcessHandle.current().pid() + "-3c4d.tmp");
        Files.writeString(inFlight, "this JVM is writing it");
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            onlyFailure(run(NonFiniteTestCase.class));   // missing golden; the folder is cleaned all the same
        } finally {
            System.setOut(out);
        }
        assertThat(leftover).doesNotExist();
        assertThat(inFlight).exists();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("reprodiff: removed 1 temporary file that an"
                + " interrupted recording left in " + goldens + ": sub/.reprodiff-" + gone.pid() + "-1a2b.tmp\n");
    }

    @Test
    void aRecordedGoldensChecksumsAreThoseOfItsFile() throws IOException {
        assertAllSucceeded(record(NonFiniteTestCase.class), 1);
        GoldenManifest.Variant variant = new GoldenStore(goldens).readManifest("nan").orElseThrow().variants
                .get("default");
        GoldenFiles.Digests digests = GoldenFiles.digests(goldens.resolve(variant.file()));
        assertThat(variant.sha256()).isEqualTo(digests.sha256());
        assertThat(variant.crc32c()).isEqualTo(digests.crc32c());
        assertThat(failures(run(NonFiniteTestCase.class))).isEmpty();
    }
}
