package dev.reprodiff.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --out} is checked before the model loads: an error names the file and what to do, and nothing runs (no
 * "model ..." line is printed). Before, a run into a missing folder generated everything and then failed on a
 * temporary path.
 */
class OutputArgumentTests {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void aMissingFolderIsNamedBeforeGenerating() {
        Path missing = dir.resolve("no-such-folder");
        Path file = missing.resolve("grid.png");

        assertThat(run("generate", "--seed", "0", "--out", file.toString())).isEqualTo(1);

        assertThat(err.toString()).isEqualTo(String.format("reprodiff generate: --out %s: the folder %s does not"
                + " exist; create it first (mkdir -p %s) or choose another folder%n", file, missing, missing));
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aDirectoryIsNotAFile() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("images.safetensors"));

        assertThat(run("generate", "--seed", "0", "--out", folder.toString())).isEqualTo(1);

        assertThat(err.toString()).isEqualTo(String.format("reprodiff generate: --out %s is a directory; name a file"
                + " in it, for example %s%n", folder, folder.resolve("out.safetensors")));
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aFolderThatCannotBeWrittenIsNamedBeforeGenerating() throws IOException {
        Path readOnly = unwritableFolder();
        Path file = readOnly.resolve("x.safetensors");

        assertThat(run("generate", "--seed", "0", "--out", file.toString())).isEqualTo(1);

        assertThat(err.toString()).startsWith("reprodiff generate: --out " + file + ": cannot write into the folder "
                + readOnly + " (").endsWith("); choose a folder you can write to, or change its permissions"
                + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void noiseRefusesAPngBecauseItWritesSafetensors() {
        Path png = dir.resolve("x.png");

        assertThat(run("noise", "--seed", "0", "--shape", "2", "--out", png.toString())).isEqualTo(1);

        assertThat(err.toString()).isEqualTo(String.format("reprodiff noise: --out must end in .safetensors, but is"
                + " %s%n", png));
        assertThat(png).doesNotExist();
    }

    /**
     * A folder this process cannot create files in: a read-only temporary folder, or, where permissions do not
     * bind (root), sysfs, which refuses new files to everyone.
     */
    private Path unwritableFolder() throws IOException {
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!canCreateFileIn(readOnly)) {
            return readOnly;
        }
        Path sysfs = Path.of("/sys/kernel");
        Assumptions.assumeTrue(Files.isDirectory(sysfs) && !canCreateFileIn(sysfs),
                "no folder this process cannot write to");
        return sysfs;
    }

    private static boolean canCreateFileIn(Path folder) {
        try {
            Files.delete(Files.createTempFile(folder, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
