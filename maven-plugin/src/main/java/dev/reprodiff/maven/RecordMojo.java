package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.maven.launcher.RecordLauncher;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.artifact.DependencyResolutionRequiredException;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Records goldens: runs the module's tests in record mode ({@code reprodiff.golden.mode=record}, or
 * {@code record-missing}) in a forked JVM with the test classpath, system properties, environment and argLine that
 * Surefire would use, and {@code CUBLAS_WORKSPACE_CONFIG} set. The tests' own golden assertions write the goldens;
 * this goal writes none itself. It then lists the golden files it created, changed and left alone.
 *
 * <pre>{@code mvn reprodiff:record -Dreprodiff.tests='DdimExampleTest#two*' -Dreprodiff.platform=device-type}</pre>
 *
 * Refuses to run when the environment variable {@code CI} is {@code true}, unless {@code -Dreprodiff.force}.
 */
@Mojo(name = "record", requiresDependencyResolution = ResolutionScope.TEST, threadSafe = true)
@Execute(phase = LifecyclePhase.TEST_COMPILE)
public class RecordMojo extends AbstractMojo {

    static final String MODE = GoldenProperties.MODE;
    static final String DIR = GoldenProperties.DIR;
    static final String RECORD_AS = GoldenProperties.RECORD_AS;
    static final String FORCE_RECORD = GoldenProperties.FORCE_RECORD;
    static final String DEFAULT_DIR = GoldenProperties.DEFAULT_DIR;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
    private PluginDescriptor plugin;

    /** Which tests to run, as Surefire's {@code -Dtest}: {@code Class} or {@code Class#method}, {@code *}, commas. */
    @Parameter(property = "reprodiff.tests")
    private String tests;

    /** Record only goldens that do not exist yet, and verify the others. */
    @Parameter(property = "reprodiff.recordMissing", defaultValue = "false")
    private boolean recordMissing;

    /** Which variant to write: {@code default}, {@code device-type} ({@code cpu}, {@code gpu}) or {@code device}. */
    @Parameter(property = "reprodiff.platform", defaultValue = "default")
    private String platform;

    /** Record even though {@code CI=true}. */
    @Parameter(property = "reprodiff.force", defaultValue = "false")
    private boolean force;

    /** The golden folder; by default what the tests would use (Surefire's system properties, then theirs). */
    @Parameter(property = "reprodiff.goldenDir")
    private File goldenDir;

    /** {@code CUBLAS_WORKSPACE_CONFIG} for the fork: one cuBLAS workspace size, so that GEMMs are deterministic. */
    @Parameter(property = "reprodiff.cublasWorkspaceConfig", defaultValue = ":4096:8")
    private String cublasWorkspaceConfig;

    /** The Java executable of the fork; by default the one running Maven. */
    @Parameter(property = "reprodiff.jvm")
    private File jvm;

    /** Overrides the {@code CI} environment variable, for tests of this goal. */
    @Parameter(property = "reprodiff.ci")
    private String ci;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (isCi() && !force) {
            throw new MojoFailureException("reprodiff:record refuses to run on CI (CI=true): goldens are recorded on"
                    + " a developer's machine and committed. Pass -Dreprodiff.force=true to record anyway.");
        }
        if (!platform.equals("default") && !platform.equals("device-type") && !platform.equals("device")) {
            throw new MojoFailureException("Invalid -Dreprodiff.platform=" + platform
                    + "; expected one of default, device-type, device");
        }
        Path testClasses = Path.of(project.getBuild().getTestOutputDirectory());
        if (!Files.isDirectory(testClasses)) {
            getLog().info("No test classes in " + testClasses + ": nothing to record");
            return;
        }
        SurefireSettings surefire = SurefireSettings.of(project, session.getUserProperties());
        Path goldens = goldenDir != null ? goldenDir.toPath().toAbsolutePath().normalize()
                : surefire.path(project, DIR, DEFAULT_DIR);
        Map<String, String> config = new LinkedHashMap<>();
        config.put(MODE, recordMissing ? "record-missing" : "record");
        config.put(RECORD_AS, platform);
        config.put(DIR, goldens.toString());
        if (force) {
            config.put(FORCE_RECORD, "true");
        }
        getLog().info("Recording goldens in " + goldens + " (" + config.get(MODE) + ", variant " + platform
                + (tests == null ? "" : ", tests " + tests) + ")");
        GoldenSnapshot before = GoldenSnapshot.of(goldens);
        int exit = fork(command(surefire, config, testClasses), surefire.environment());
        GoldenSnapshot.Changes changes = before.compareWith(GoldenSnapshot.of(goldens));
        changes.log(getLog(), goldens);
        if (exit == 2) {
            throw new MojoFailureException("No tests ran" + (tests == null ? "" : " for -Dreprodiff.tests=" + tests));
        }
        if (exit != 0) {
            throw new MojoFailureException("Some tests failed while recording (see above); the goldens of the passing"
                    + " ones were written as listed");
        }
    }

    private boolean isCi() {
        String value = ci != null ? ci : System.getenv("CI");
        return "true".equalsIgnoreCase(value);
    }

    private List<String> command(SurefireSettings surefire, Map<String, String> config, Path testClasses)
            throws MojoExecutionException {
        List<String> args = new ArrayList<>(surefire.argLine());
        args.add("-cp");
        args.add(String.join(File.pathSeparator, classpath()));
        Properties properties = new Properties();
        properties.putAll(session.getUserProperties());
        properties.putAll(surefire.systemProperties());
        properties.putAll(config);
        properties.setProperty("basedir", project.getBasedir().getAbsolutePath());
        properties.forEach((key, value) -> args.add("-D" + key + "=" + value));
        args.add(RecordLauncher.class.getName());
        args.add("--root");
        args.add(testClasses.toString());
        if (tests != null && !tests.isBlank()) {
            args.add("--tests");
            args.add(tests);
        }
        config.forEach((key, value) -> {
            args.add("--config");
            args.add(key + "=" + value);
        });
        Path argFile = Path.of(project.getBuild().getDirectory(), "reprodiff", "record.args");
        try {
            Files.createDirectories(argFile.getParent());
            Files.write(argFile, args.stream().map(RecordMojo::quote).toList(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write " + argFile, e);
        }
        String java = jvm != null ? jvm.getPath()
                : Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "@" + argFile);
    }

    /** The test classpath, then this plugin (for the launcher main) and the JUnit Platform Launcher if missing. */
    private List<String> classpath() throws MojoExecutionException {
        List<String> elements;
        try {
            elements = new ArrayList<>(project.getTestClasspathElements());
        } catch (DependencyResolutionRequiredException e) {
            throw new MojoExecutionException("The test classpath is not resolved", e);
        }
        boolean hasLauncher = project.getArtifacts().stream()
                .anyMatch(a -> a.getArtifactId().equals("junit-platform-launcher"));
        elements.add(plugin.getPluginArtifact().getFile().getAbsolutePath());
        for (Artifact artifact : plugin.getArtifacts()) {
            if (artifact.getArtifactId().equals("junit-platform-launcher") && !hasLauncher) {
                elements.add(artifact.getFile().getAbsolutePath());
            }
        }
        return elements;
    }

    private int fork(List<String> command, Map<String, String> environment) throws MojoExecutionException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.getBasedir()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().putIfAbsent("CUBLAS_WORKSPACE_CONFIG", cublasWorkspaceConfig);
        if (environment.containsKey("CUBLAS_WORKSPACE_CONFIG")) {
            getLog().info("CUBLAS_WORKSPACE_CONFIG=" + environment.get("CUBLAS_WORKSPACE_CONFIG")
                    + " (from Surefire's environmentVariables)");
        }
        try {
            Process process = builder.start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    System.out.println(line);
                }
            }
            return process.waitFor();
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot start the test JVM " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MojoExecutionException("Interrupted while recording", e);
        }
    }

    /** One argument of a Java {@code @argfile}: quoted, with backslashes and quotes escaped. */
    static String quote(String arg) {
        return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
