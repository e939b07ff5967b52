package dev.reprodiff.maven;

import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One report for every module of the reactor, as {@code jacoco:report-aggregate} does for coverage: run once, from
 * the root, after the tests ({@code mvn verify; mvn reprodiff:report-aggregate}); rows name their module. Result
 * folders of other CI jobs join with {@code -Dreprodiff.report.inputs}.
 */
@Mojo(name = "report-aggregate", aggregator = true, threadSafe = true)
public class ReportAggregateMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    @Parameter(property = ReportMojo.REPORT_DIR, defaultValue = "${project.build.directory}/reprodiff/report")
    private File outputDirectory;

    @Parameter(property = ReportMojo.INPUTS)
    private List<File> inputs;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        RenamedProperties.refuse(session.getUserProperties());
        Path root = project.getBasedir().toPath();
        List<GoldenReport.Source> sources = new ArrayList<>();
        for (MavenProject module : session.getProjects()) {
            sources.add(ReportMojo.source(module, session, root.relativize(module.getBasedir().toPath()).toString()
                    .replace('\\', '/')));
        }
        sources.addAll(ReportMojo.downloaded(inputs));
        ReportMojo.write(getLog(), project, sources, outputDirectory.toPath());
    }
}
