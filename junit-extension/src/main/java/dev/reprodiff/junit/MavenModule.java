package dev.reprodiff.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Maven module a test runs in, as a path from the root of its reactor ({@code examples}, {@code services/api}),
 * so that printed commands select it with {@code -pl}. Found from the module's folder, which Surefire passes as the
 * {@code basedir} property (and makes the working directory), by walking up while each parent's {@code pom.xml}
 * lists the folder as a {@code <module>}.
 */
final class MavenModule {

    private static final Pattern MODULE = Pattern.compile("<module>\\s*([^<]+?)\\s*</module>");
    private static final String PATH = find(Path.of(System.getProperty("basedir", System.getProperty("user.dir"))));

    private MavenModule() {
    }

    /** The module's path from the reactor root, {@code ""} for the root or a project outside any reactor. */
    static String path() {
        return PATH;
    }

    static String find(Path basedir) {
        Path module = basedir.toAbsolutePath().normalize();
        Path root = module;
        for (Optional<Path> parent = parentListing(root); parent.isPresent(); parent = parentListing(root)) {
            root = parent.get();
        }
        return root.relativize(module).toString().replace('\\', '/');
    }

    /** The folder above {@code dir} whose pom lists {@code dir} as a module, if there is one. */
    private static Optional<Path> parentListing(Path dir) {
        Path parent = dir.getParent();
        if (parent == null || !Files.isRegularFile(parent.resolve("pom.xml"))) {
            return Optional.empty();
        }
        try {
            Matcher modules = MODULE.matcher(Files.readString(parent.resolve("pom.xml")));
            while (modules.find()) {
                Path listed = parent.resolve(modules.group(1)).normalize();
                if (listed.equals(dir) || listed.equals(dir.resolve("pom.xml"))) {
                    return Optional.of(parent);
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable parent pom: the module is as far up as we can tell
        }
        return Optional.empty();
    }
}
