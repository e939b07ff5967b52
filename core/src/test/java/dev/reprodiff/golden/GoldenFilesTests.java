package dev.reprodiff.golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GoldenFilesTests {

    @TempDir
    Path dir;

    @Test
    void ciIsSetUnlessEmptyFalseOrZero() {
        for (String ci : List.of("true", "TRUE", "1", "yes", "on", "github", " true ")) {
            assertThat(GoldenProperties.isCi(ci)).as(ci).isTrue();
        }
        for (String notCi : List.of("", " ", "false", "False", "0")) {
            assertThat(GoldenProperties.isCi(notCi)).as(notCi).isFalse();
        }
        assertThat(GoldenProperties.isCi(null)).isFalse();
    }

    @Test
    void fitFileNamesUnderTheLimitAndKeepLongStemsApart() {
        assertThat(GoldenFiles.fitFileName("tiny", ".json")).isEqualTo("tiny.json");
        String a = GoldenFiles.fitFileName("n".repeat(240) + "a", ".0123456789abcdef.safetensors");
        String b = GoldenFiles.fitFileName("n".repeat(240) + "b", ".0123456789abcdef.safetensors");
        assertThat(a.getBytes(StandardCharsets.UTF_8)).hasSize(255);
        assertThat(a).isNotEqualTo(b).endsWith(".0123456789abcdef.safetensors").contains("~");
        String wide = GoldenFiles.fitFileName("é".repeat(200), ".json");
        assertThat(wide.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
        assertThat(wide).startsWith("é").endsWith(".json");
    }

    @Test
    void tensorFileNamesAreContentAddressed() {
        String sha = "1f2e3d4c5b6a79801f2e3d4c5b6a79801f2e3d4c5b6a79801f2e3d4c5b6a7980";
        assertThat(GoldenFiles.tensorFileName("tiny", "default", sha)).isEqualTo("tiny.1f2e3d4c5b6a7980.safetensors");
        assertThat(GoldenFiles.tensorFileName("tiny", "gpu-nvidia-h200", sha))
                .isEqualTo("tiny@gpu-nvidia-h200.1f2e3d4c5b6a7980.safetensors");
    }

    @Test
    void writeAtomicallyWithTheUmasksPermissionsAndNoTemporaryFileLeft() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path plain = dir.resolve("plain");
        Files.newOutputStream(plain).close();
        Path file = dir.resolve("m.json");
        GoldenFiles.writeAtomically(file, "{}".getBytes(StandardCharsets.UTF_8));
        GoldenFiles.writeAtomically(file, "{\"a\": 1}".getBytes(StandardCharsets.UTF_8));
        assertThat(file).hasContent("{\"a\": 1}");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("plain", "m.json");
        }
    }

    @Test
    void digestsAreSha256AndCrc32cOfTheBytes() throws IOException {
        Path file = dir.resolve("abc");
        Files.writeString(file, "abc");
        GoldenFiles.Digests digests = GoldenFiles.digests(file);
        assertThat(digests.sha256()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(digests.crc32c()).isEqualTo("364b3fb7");
        assertThat(digests.bytes()).isEqualTo(3);
    }

    @Test
    void tellTheJournalsUnfinishedTestsAndTheGoldensTheyStaged() throws IOException {
        RunJournal journal = RunJournal.open(dir, "run-1");
        journal.started("[a]", "it.A#one");
        journal.staged("[a]", "x/one");
        journal.started("[b]", "it.A#two");
        journal.staged("[b]", "x/two");
        journal.finished("[a]");
        Path log = RunJournal.folder(dir, "run-1").resolve(ProcessHandle.current().pid() + ".log");
        Files.writeString(log, Files.readString(log) + "sta", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        assertThat(RunJournal.unfinished(RunJournal.folder(dir, "run-1"))).containsExactly(
                new RunJournal.Unfinished("it.A#two", List.of("x/two"), ProcessHandle.current().pid()));
    }

    /** The scan that failed a fork's run with NoSuchFileException while another fork renamed its temporary file. */
    @Test
    void scanAFolderWhileAnotherWriterCreatesAndRenamesFiles() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                try {
                    GoldenFiles.writeArtifact(dir.resolve("g" + (i % 7) + ".json"), "{}".getBytes(
                            StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        writer.start();
        try {
            for (int scan = 0; scan < 2000; scan++) {
                GoldenInventory.scan(dir);
                GoldenFiles.leftoverTemporaryFiles(dir);
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    @Test
    void anInventoryNamesCorruptManifestsMissingFilesOrphansAndLeftovers() throws IOException {
        Files.writeString(dir.resolve("broken.json"), "{\"variants\": {");
        Files.writeString(dir.resolve("tolerances.json"), "{\"platforms\": {}}");
        Files.writeString(dir.resolve("gone.json"), "{\"format\": \"reprodiff-golden/1\", \"name\": \"gone\","
                + " \"variants\": {\"default\": {\"file\": \"gone.0000000000000000.safetensors\"}}}");
        Files.writeString(dir.resolve("orphan.0000000000000000.safetensors"), "");
        GoldenInventory inventory = GoldenInventory.scan(dir);
        assertThat(inventory.variants()).isEqualTo(Map.of("gone", Map.of("default",
                "gone.0000000000000000.safetensors")));
        assertThat(inventory.problems()).extracting(GoldenInventory.Problem::file, GoldenInventory.Problem::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(dir.resolve("broken.json"), "corrupt manifest at line 1,"
                                + " column 15: Unexpected end-of-input: expected close marker for Object (start"
                                + " marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION`"
                                + " disabled); line: 1, column: 14])"),
                        org.assertj.core.groups.Tuple.tuple(dir.resolve("gone.json"), "variant \"default\" names"
                                + " gone.0000000000000000.safetensors, which does not exist"));
        assertThat(inventory.orphans()).containsExactly("orphan.0000000000000000.safetensors");
        assertThat(inventory.unread(List.of())).containsExactly("gone@default");
    }
}
