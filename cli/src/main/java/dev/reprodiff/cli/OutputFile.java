package dev.reprodiff.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Checks an {@code --out} file before any work is done, so that a long run never ends in a write that must fail. */
final class OutputFile {

    private OutputFile() {
    }

    /**
     * Fails unless {@code out} ends in one of {@code extensions}, is not a directory, and lies in an existing
     * folder this process can create files in (tried, since permissions alone do not tell: root, read-only mounts).
     *
     * @throws IllegalArgumentException naming the file, what is wrong and what to do
     */
    static void check(Path out, List<String> extensions) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString();
        if (extensions.stream().noneMatch(name::endsWith)) {
            throw new IllegalArgumentException("--out must end in " + String.join(" or ", extensions) + ", but is "
                    + out);
        }
        Path file = out.toAbsolutePath();
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--out " + out + " is a directory; name a file in it, for example "
                    + out.resolve("out" + extensions.get(0)));
        }
        Path folder = file.getParent();
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--out " + out + ": the folder " + folder + " does not exist; create"
                    + " it first (mkdir -p " + folder + ") or choose another folder");
        }
        try {
            Files.delete(Files.createTempFile(folder, ".reprodiff-out-check", ".tmp"));
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + out + ": cannot write into the folder " + folder + " ("
                    + e.getClass().getSimpleName() + "); choose a folder you can write to, or change its"
                    + " permissions");
        }
    }
}
