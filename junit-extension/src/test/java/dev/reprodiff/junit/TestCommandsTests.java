package dev.reprodiff.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands that failures print run from the reactor root, selecting the test's module. */
class TestCommandsTests {

    @TempDir
    Path root;

    private static void pom(Path dir, String... modules) throws IOException {
        StringBuilder pom = new StringBuilder("<project><modules>");
        for (String module : modules) {
            pom.append("\n  <module>").append(module).append("</module>");
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pom.xml"), pom.append("\n</modules></project>\n").toString());
    }

    @Test
    void findTheModulesPathFromTheReactorRoot() throws IOException {
        pom(root, "services", "tools/../examples");
        pom(root.resolve("services"), " api ", "worker/pom.xml");
        pom(root.resolve("services/api"));
        pom(root.resolve("services/worker"));
        pom(root.resolve("examples"));
        pom(root.resolve("standalone"));
        assertThat(MavenModule.find(root.resolve("services/api"))).isEqualTo("services/api");
        assertThat(MavenModule.find(root.resolve("services/worker"))).isEqualTo("services/worker");
        assertThat(MavenModule.find(root.resolve("examples"))).isEqualTo("examples");
        assertThat(MavenModule.find(root)).isEmpty();
        assertThat(MavenModule.find(root.resolve("standalone"))).as("not listed by the pom above").isEmpty();
    }

    @Test
    void selectTheModuleAndLetTheOthersRunNoTest() {
        assertThat(TestCommands.select("DdimTest#twoSteps", "services/api")).isEqualTo("mvn test -pl services/api"
                + " -am -Dsurefire.failIfNoSpecifiedTests=false -Dtest='DdimTest#twoSteps'");
        assertThat(TestCommands.select("DdimTest#twoSteps", "")).isEqualTo("mvn test -Dtest='DdimTest#twoSteps'");
    }

    @Test
    void thisModuleIsTheReactorsJunitExtension() {
        assertThat(MavenModule.path()).isEqualTo("junit-extension");
    }
}
