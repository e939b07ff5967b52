package dev.reprodiff.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class GoldenSnapshotTests {

    @TempDir
    Path dir;

    @Test
    void comparisonSortsFilesIntoNewChangedUnchangedAndRemoved() throws Exception {
        Files.createDirectories(dir.resolve("ddim"));
        Files.writeString(dir.resolve("ddim/a.safetensors"), "a");
        Files.writeString(dir.resolve("ddim/b.safetensors"), "b");
        Files.writeString(dir.resolve("gone.safetensors"), "g");
        Files.writeString(dir.resolve("README.md"), "not a golden");
        GoldenSnapshot before = GoldenSnapshot.of(dir);
        Files.writeString(dir.resolve("ddim/b.safetensors"), "b2");
        Files.writeString(dir.resolve("ddim/c.safetensors"), "c");
        Files.delete(dir.resolve("gone.safetensors"));
        GoldenSnapshot.Changes changes = before.compareWith(GoldenSnapshot.of(dir));
        assertThat(changes.created()).containsExactly("ddim/c.safetensors");
        assertThat(changes.changed()).containsExactly("ddim/b.safetensors");
        assertThat(changes.unchanged()).containsExactly("ddim/a.safetensors");
        assertThat(changes.removed()).containsExactly("gone.safetensors");
    }

    @Test
    void missingFolderIsAnEmptySnapshot() throws Exception {
        assertThat(GoldenSnapshot.of(dir.resolve("none")).files()).isEmpty();
    }

    @Test
    void manifestChangeWithUnchangedTensorsIsProvenanceOnly() {
        GoldenSnapshot.Changes changes = new GoldenSnapshot.Changes(java.util.List.of(),
                java.util.List.of("a.json", "b.json", "b@cpu.safetensors"), java.util.List.of("a.safetensors"),
                java.util.List.of());
        assertThat(changes.provenanceOnly("a.json")).isTrue();
        assertThat(changes.provenanceOnly("b.json")).isFalse();
        assertThat(changes.provenanceOnly("a.safetensors")).isFalse();
    }
}
