package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenProperties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * The record goals: each forks the module's lifecycle with {@code prepare-record} first, so that the build's own
 * Surefire (and Failsafe) executions run the tests in record mode, then prints what they recorded. A golden is
 * written by the test's own assertion, when the test passes.
 */
abstract class AbstractRecordMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    /** The size above which a golden gets a warning (it belongs in Git LFS): {@code 10MiB}, {@code 500KB}. */
    @Parameter(property = GoldenProperties.SIZE_BUDGET, defaultValue = GoldenProperties.DEFAULT_SIZE_BUDGET)
    private String sizeBudget;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        RecordingReport report = RecordingReport.of(project, session.getUserProperties());
        if (report.results().isEmpty() && "pom".equals(project.getPackaging())) {
            return;   // the root of a multi-module build: its modules report for themselves
        }
        report.log(getLog(), false, Sizes.parse(sizeBudget, GoldenProperties.SIZE_BUDGET));
    }
}
