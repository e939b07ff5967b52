package dev.reprodiff.maven;

import org.apache.maven.model.Build;
import org.apache.maven.model.Model;
import org.apache.maven.model.Plugin;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3DomBuilder;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class SurefireSettingsTests {

    private static MavenProject projectWithSurefire(String configuration) throws Exception {
        Model model = new Model();
        model.setBuild(new Build());
        Plugin surefire = new Plugin();
        surefire.setGroupId("org.apache.maven.plugins");
        surefire.setArtifactId("maven-surefire-plugin");
        surefire.setConfiguration(Xpp3DomBuilder.build(new StringReader(configuration)));
        model.getBuild().addPlugin(surefire);
        model.getProperties().setProperty("late", "value");
        return new MavenProject(model);
    }

    @Test
    void readsSystemPropertiesEnvironmentAndArgLineWithLateReplacement() throws Exception {
        MavenProject project = projectWithSurefire("<configuration>"
                + "<systemPropertyVariables><a.b>1</a.b><empty/></systemPropertyVariables>"
                + "<environmentVariables><X_Y>z</X_Y></environmentVariables>"
                + "<argLine>-Xmx1g -Dp=@{late} \"-Dq=a b\"</argLine></configuration>");
        SurefireSettings settings = SurefireSettings.of(project, new Properties());
        assertThat(settings.systemProperties()).containsEntry("a.b", "1").containsEntry("empty", "");
        assertThat(settings.environment()).containsEntry("X_Y", "z");
        assertThat(settings.argLine()).containsExactly("-Xmx1g", "-Dp=value", "-Dq=a b");
    }

    @Test
    void userPropertiesWinInLateReplacement() throws Exception {
        MavenProject project = projectWithSurefire("<configuration><argLine>@{late}</argLine></configuration>");
        Properties user = new Properties();
        user.setProperty("late", "from-command-line");
        assertThat(SurefireSettings.of(project, user).argLine()).containsExactly("from-command-line");
    }

    @Test
    void tokenizeKeepsQuotedSpaces() {
        assertThat(SurefireSettings.tokenize("  a 'b c'  \"d e\"f ")).containsExactly("a", "b c", "d ef");
        assertThat(SurefireSettings.tokenize("")).isEmpty();
    }
}
