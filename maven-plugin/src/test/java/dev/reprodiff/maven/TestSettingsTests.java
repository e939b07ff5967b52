package dev.reprodiff.maven;

import org.apache.maven.model.Build;
import org.apache.maven.model.Model;
import org.apache.maven.model.Plugin;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3DomBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class TestSettingsTests {

    @TempDir
    Path basedir;

    private MavenProject projectWithSurefire(String configuration) throws Exception {
        Model model = new Model();
        model.setBuild(new Build());
        Plugin surefire = new Plugin();
        surefire.setGroupId("org.apache.maven.plugins");
        surefire.setArtifactId("maven-surefire-plugin");
        surefire.setConfiguration(Xpp3DomBuilder.build(new StringReader(configuration)));
        model.getBuild().addPlugin(surefire);
        MavenProject project = new MavenProject(model);
        project.setFile(new File(basedir.toFile(), "pom.xml"));
        return project;
    }

    @Test
    void readASettingAsTheTestsDoCommandLineFirstThenSurefireThenItsConfigurationParameters() throws Exception {
        MavenProject project = projectWithSurefire("<configuration>"
                + "<systemPropertyVariables><reprodiff.golden.dir>from-surefire</reprodiff.golden.dir>"
                + "</systemPropertyVariables><properties><configurationParameters>"
                + "reprodiff.golden.dir = from-parameters\nreprodiff.artifacts.dir = out/reprodiff"
                + "</configurationParameters></properties></configuration>");
        Properties user = new Properties();
        assertThat(TestSettings.of(project, user).path("reprodiff.golden.dir", "d"))
                .isEqualTo(basedir.resolve("from-surefire"));
        assertThat(TestSettings.of(project, user).path("reprodiff.artifacts.dir", "d"))
                .isEqualTo(basedir.resolve("out/reprodiff"));
        user.setProperty("reprodiff.golden.dir", "alt");
        assertThat(TestSettings.of(project, user).path("reprodiff.golden.dir", "d")).isEqualTo(basedir.resolve("alt"));
        assertThat(TestSettings.of(project, user).path("reprodiff.other", "src/test/resources/goldens"))
                .isEqualTo(basedir.resolve("src/test/resources/goldens"));
    }

    @Test
    void resolveRelativePathsFromSurefiresWorkingDirectory() throws Exception {
        MavenProject project = projectWithSurefire("<configuration><workingDirectory>run</workingDirectory>"
                + "</configuration>");
        assertThat(TestSettings.of(project, new Properties()).path("reprodiff.artifacts.dir", "target/reprodiff"))
                .isEqualTo(basedir.resolve("run/target/reprodiff"));
    }
}
