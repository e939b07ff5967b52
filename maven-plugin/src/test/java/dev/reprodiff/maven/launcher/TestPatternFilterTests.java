package dev.reprodiff.maven.launcher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TestPatternFilterTests {

    @Test
    void classPatternMatchesSimpleBinaryAndQualifiedNames() {
        TestPatternFilter filter = new TestPatternFilter("DdimTest");
        assertThat(filter.matches("dev.x.DdimTest", "any")).isTrue();
        assertThat(new TestPatternFilter("dev.x.DdimTest").matches("dev.x.DdimTest", "any")).isTrue();
        assertThat(filter.matches("dev.x.OtherTest", "any")).isFalse();
    }

    @Test
    void methodPatternAndWildcardsNarrowTheSelection() {
        TestPatternFilter filter = new TestPatternFilter("Ddim*#two*");
        assertThat(filter.matches("dev.x.DdimPipelineTest", "twoSteps")).isTrue();
        assertThat(filter.matches("dev.x.DdimPipelineTest", "fourSteps")).isFalse();
    }

    @Test
    void nestedClassesMatchByTheirOwnOrBinaryName() {
        assertThat(new TestPatternFilter("Outer$Inner#m").matches("p.Outer$Inner", "m")).isTrue();
        assertThat(new TestPatternFilter("Inner").matches("p.Outer$Inner", "m")).isTrue();
    }

    @Test
    void commaSeparatedPatternsAreAlternativesAndSourceSuffixesAreIgnored() {
        TestPatternFilter filter = new TestPatternFilter("ATest.java, BTest#b");
        assertThat(filter.matches("p.ATest", "x")).isTrue();
        assertThat(filter.matches("p.BTest", "b")).isTrue();
        assertThat(filter.matches("p.BTest", "c")).isFalse();
    }

    @Test
    void regexCharactersInPatternsAreLiteral() {
        assertThat(new TestPatternFilter("A.B").matches("AxB", "m")).isFalse();
    }
}
