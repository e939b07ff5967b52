package dev.reprodiff.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SizesTests {

    @Test
    void parseBinaryAndDecimalUnits() throws MojoFailureException {
        assertThat(Sizes.parse("10MiB", "p")).isEqualTo(10L << 20);
        assertThat(Sizes.parse("500KB", "p")).isEqualTo(500_000);
        assertThat(Sizes.parse("1.5 gib", "p")).isEqualTo(3L << 29);
        assertThat(Sizes.parse("1048576", "p")).isEqualTo(1 << 20);
        assertThatThrownBy(() -> Sizes.parse("ten", "reprodiff.golden.sizeBudget")).hasMessage(
                "Invalid -Dreprodiff.golden.sizeBudget=ten; expected a size such as 10MiB, 500KB, 2GB or a number of"
                        + " bytes");
    }

    @Test
    void formatInBinaryUnits() {
        assertThat(Sizes.format(512)).isEqualTo("512 B");
        assertThat(Sizes.format(64L << 20)).isEqualTo("64.0 MiB");
        assertThat(Sizes.format(1536)).isEqualTo("1.5 KiB");
    }

    @Test
    void anOldPropertyNameFailsNamingTheNewOne() {
        Properties user = new Properties();
        user.setProperty("reprodiff.goldenDir", "alt");
        assertThatThrownBy(() -> RenamedProperties.refuse(user)).isInstanceOf(MojoFailureException.class)
                .hasMessage("-Dreprodiff.goldenDir is no longer read by the reprodiff plugin: use"
                        + " -Dreprodiff.golden.dir, the name the JUnit extension reads. Plugin, extension and"
                        + " documentation share one set of names (reprodiff.golden.*, reprodiff.artifacts.*).");
        user.clear();
        user.setProperty("reprodiff.tests", "A#b");
        assertThatThrownBy(() -> RenamedProperties.refuse(user)).hasMessageContaining(
                "use Surefire's own -Dtest=..., since recording runs Surefire");
    }
}
