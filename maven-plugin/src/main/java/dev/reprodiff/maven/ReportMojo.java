package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.GoldenResult;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Writes {@code target/reprodiff/report/index.html} and its JSON twin {@code report.json} from the golden result
 * files that the reprodiff JUnit extension wrote during the last test run and the Surefire reports: for every golden
 * and platform its status, L-infinity, tolerance and headroom, seeds and, for image-shaped tensors that failed, the
 * expected, actual and difference images; then the goldens no test read, and the files that cannot be used.
 * {@code reprodiff.report.inputs} adds result folders downloaded from other CI jobs, one column per platform.
 *
 * <pre>{@code mvn verify; mvn reprodiff:report -Dreprodiff.report.inputs=results-cpu,results-h200}</pre>
 */
@Mojo(name = "report", threadSafe = true)
public class ReportMojo extends AbstractMojo {

    /** The folder the report goes to: {@value}. */
    static final String REPORT_DIR = "reprodiff.report.dir";

    /** Comma-separated result folders from other runs (CI jobs), merged into the report: {@value}. */
    static final String INPUTS = "reprodiff.report.inputs";

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    /** Where the report goes. */
    @Parameter(property = REPORT_DIR, defaultValue = "${project.build.directory}/reprodiff/report")
    private File outputDirectory;

    /** Result folders downloaded from other CI jobs (their {@code target/reprodiff}, any depth), comma-separated. */
    @Parameter(property = INPUTS)
    private List<File> inputs;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        RenamedProperties.refuse(session.getUserProperties());
        List<GoldenReport.Source> sources = new ArrayList<>();
        sources.add(source(project, session, ""));
        sources.addAll(downloaded(inputs));
        write(getLog(), project, sources, outputDirectory.toPath());
    }

    /** One module's files, as its tests see them. */
    static GoldenReport.Source source(MavenProject project, MavenSession session, String module) {
        Properties user = session.getUserProperties();
        TestSettings settings = TestSettings.of(project, user);
        return new GoldenReport.Source(module, project.getBasedir().toPath(),
                settings.path(GoldenProperties.ARTIFACTS_DIR, GoldenProperties.DEFAULT_ARTIFACTS_DIR),
                Path.of(project.getBuild().getDirectory(), "surefire-reports"),
                settings.path(GoldenProperties.DIR, GoldenProperties.DEFAULT_DIR));
    }

    static List<GoldenReport.Source> downloaded(List<File> inputs) throws MojoFailureException {
        List<GoldenReport.Source> sources = new ArrayList<>();
        for (File input : inputs == null ? List.<File>of() : inputs) {
            if (!input.isDirectory()) {
                throw new MojoFailureException("-D" + INPUTS + " names " + input + ", which is not a folder;"
                        + " expected the result folders of other runs (their target/reprodiff), comma-separated");
            }
            sources.add(new GoldenReport.Source("", null, input.toPath().toAbsolutePath(), null, null));
        }
        return sources;
    }

    /** Builds and writes the report; a report that cannot be built becomes one that says why. */
    static void write(Log log, MavenProject project, List<GoldenReport.Source> sources, Path out)
            throws MojoExecutionException {
        String name = project.getGroupId() + ":" + project.getArtifactId() + ":" + project.getVersion();
        GoldenReport report;
        try {
            Files.createDirectories(out);
            report = GoldenReport.build(name, sources, out);
        } catch (IOException | RuntimeException e) {
            report = new GoldenReport(GoldenReport.FORMAT, name, List.of(), List.of(), List.of(), List.of(),
                    List.of(), List.of("the report could not be built: " + e), List.of(), Map.of());
        }
        try {
            report.write(out);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write the reprodiff report to " + out + ": " + e, e);
        }
        log.info(String.format("reprodiff report: %d goldens passed, %d failed, %d corrupt, %d on %d platforms;"
                        + " %d tests, %d unread goldens, %d files that cannot be used -> %s",
                report.count(GoldenResult.Status.PASSED), report.count(GoldenResult.Status.FAILED),
                report.count(GoldenResult.Status.CORRUPT), report.rows().size(), report.platforms().size(),
                report.tests().size(), report.unread().size(), report.problems().size(), out.resolve("index.html")));
        report.problems().forEach(p -> log.warn("reprodiff: " + p));
    }
}
