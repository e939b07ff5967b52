package dev.reprodiff.maven;

import dev.reprodiff.golden.Calibration;
import dev.reprodiff.golden.CalibrationObservation;
import dev.reprodiff.golden.CalibrationVariation;
import dev.reprodiff.golden.GoldenMode;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.ToleranceProfile;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.lifecycle.LifecycleExecutor;
import org.apache.maven.lifecycle.MavenExecutionPlan;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.BuildPluginManager;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Measures what the module's golden tolerances should be: runs the module's tests {@code runs} times through the
 * build's own Surefire executions (every Surefire setting applies, as in {@code mvn test}), each run under one
 * variation this machine can produce ({@link CalibrationVariation}: libtorch's intra-op thread counts, vector lanes
 * on and off, {@code @Deterministic} off), with the tests in {@code calibrate} mode, in which golden assertions
 * measure instead of failing. Then it writes {@code calibration.json} next to the goldens (what was observed per
 * golden and pair of platforms, and the proposed tolerances) and, with {@code -Dreprodiff.calibrate.apply=true},
 * writes the proposals into the tolerance profile: tightening freely, loosening only with
 * {@code -Dreprodiff.calibrate.allowLoosen=true}. Never writes goldens; refuses to run on CI.
 *
 * <pre>{@code mvn reprodiff:calibrate -Dreprodiff.calibrate.runs=5 -Dreprodiff.calibrate.apply=true}</pre>
 */
// Not thread-safe: each run sets the session's user properties (its number, its variation) that Surefire hands to
// the test JVMs, so under -T Maven runs one module's calibration at a time.
@Mojo(name = "calibrate", threadSafe = false, requiresDependencyResolution = ResolutionScope.TEST)
@Execute(phase = LifecyclePhase.TEST_COMPILE)
public class CalibrateMojo extends AbstractMojo {

    static final String SUREFIRE_ARTIFACT = "maven-surefire-plugin";

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    @Parameter(defaultValue = "${mojoExecution}", readonly = true, required = true)
    private MojoExecution mojoExecution;

    @Component
    private LifecycleExecutor lifecycleExecutor;

    @Component
    private BuildPluginManager pluginManager;

    /** How many times the tests run. */
    @Parameter(property = GoldenProperties.CALIBRATE_RUNS, defaultValue = "5")
    private int runs;

    /** Write the proposals into the tolerance profile. */
    @Parameter(property = GoldenProperties.CALIBRATE_APPLY, defaultValue = "false")
    private boolean apply;

    /** Let applying loosen tolerances. */
    @Parameter(property = GoldenProperties.CALIBRATE_ALLOW_LOOSEN, defaultValue = "false")
    private boolean allowLoosen;

    /** The factor between the largest observed difference and the proposed tolerance. */
    @Parameter(property = GoldenProperties.CALIBRATE_SAFETY_FACTOR,
            defaultValue = GoldenProperties.DEFAULT_CALIBRATE_SAFETY_FACTOR)
    private double safetyFactor;

    /** The calibration file, in the golden folder. */
    @Parameter(property = GoldenProperties.CALIBRATION_FILE, defaultValue = GoldenProperties.DEFAULT_CALIBRATION_FILE)
    private String calibrationFile;

    /** Overrides the {@code CI} environment variable: set unless empty, {@code false} or {@code 0}. */
    @Parameter(property = GoldenProperties.CI)
    private String ci;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        Properties user = session.getUserProperties();
        RenamedProperties.refuse(user);
        if ("pom".equals(project.getPackaging())) {
            return;   // the root of a multi-module build: its modules calibrate themselves
        }
        String ciValue = ci != null ? ci : System.getenv(GoldenProperties.CI_ENVIRONMENT_VARIABLE);
        if (GoldenProperties.isCi(ciValue)) {
            throw new MojoFailureException("reprodiff:calibrate refuses to run on CI (CI=" + ciValue + "; CI counts"
                    + " as set unless it is empty, false or 0): it writes calibration.json and, when applied, the"
                    + " tolerance profile, which are measured on a developer's machine and committed. Nothing was"
                    + " written. Run it where the goldens are recorded.");
        }
        if (runs < 1) {
            throw new MojoFailureException("Invalid -D" + GoldenProperties.CALIBRATE_RUNS + "=" + runs
                    + ": expected a number of runs >= 1 (default " + GoldenProperties.DEFAULT_CALIBRATE_RUNS + ")");
        }
        if (!(safetyFactor >= 1) || Double.isInfinite(safetyFactor)) {
            throw new MojoFailureException("Invalid -D" + GoldenProperties.CALIBRATE_SAFETY_FACTOR + "="
                    + safetyFactor + ": expected a finite factor >= 1 (default "
                    + GoldenProperties.DEFAULT_CALIBRATE_SAFETY_FACTOR + ")");
        }
        String asked = user.getProperty(GoldenProperties.MODE);
        if (asked != null && !asked.equals(GoldenMode.CALIBRATE.value())) {
            throw new MojoFailureException("reprodiff:calibrate runs the tests with -D" + GoldenProperties.MODE + "="
                    + GoldenMode.CALIBRATE.value() + ", but the command line says -D" + GoldenProperties.MODE + "="
                    + asked + "; drop it");
        }
        TestSettings settings = TestSettings.of(project, user);
        Path goldenDir = settings.path(GoldenProperties.DIR, GoldenProperties.DEFAULT_DIR);
        Path artifacts = settings.path(GoldenProperties.ARTIFACTS_DIR, GoldenProperties.DEFAULT_ARTIFACTS_DIR);
        Path profileFile = goldenDir.resolve(settings.get(GoldenProperties.TOLERANCES)
                .orElse(GoldenProperties.DEFAULT_TOLERANCES));
        List<MojoExecution> surefire = surefireExecutions();
        int cores = Runtime.getRuntime().availableProcessors();
        List<CalibrationVariation> plan = CalibrationVariation.plan(runs, cores);
        List<CalibrationVariation> notRun = CalibrationVariation.available(cores).stream()
                .filter(v -> !plan.contains(v)).toList();
        deleteObservations(artifacts);
        runAll(user, surefire, plan, notRun);

        List<CalibrationObservation> observations;
        try {
            observations = CalibrationObservation.readAll(artifacts);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot read the calibration observations under "
                    + artifacts.resolve(CalibrationObservation.FOLDER) + ": " + e, e);
        }
        if (observations.isEmpty()) {
            throw new MojoFailureException("reprodiff:calibrate: the tests of " + project.getArtifactId()
                    + " compared no golden in " + runs + " runs (no observation under "
                    + artifacts.resolve(CalibrationObservation.FOLDER) + "); nothing to calibrate. Do the tests use"
                    + " reprodiff's Golden with the extension, and are the goldens recorded (mvn reprodiff:record)?");
        }
        Calibration calibration = Calibration.aggregate(observations, plan, notRun, safetyFactor,
                LocalDate.now(ZoneOffset.UTC).toString(), versions(observations), accelerators());
        Path file = goldenDir.resolve(calibrationFile);
        try {
            calibration.write(file);
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write " + file + ": " + e, e);
        }
        log(getLog(), calibration, file);
        if (apply) {
            apply(getLog(), calibration, profileFile, allowLoosen);
        } else {
            getLog().info("reprodiff: nothing applied; -D" + GoldenProperties.CALIBRATE_APPLY + "=true writes the"
                    + " proposals into " + profileFile);
        }
    }

    /** The module's Surefire {@code test} executions, as {@code mvn test} would run them (configuration included). */
    private List<MojoExecution> surefireExecutions() throws MojoExecutionException, MojoFailureException {
        MavenExecutionPlan executionPlan;
        try {
            executionPlan = lifecycleExecutor.calculateExecutionPlan(session, "test");
        } catch (Exception e) {
            throw new MojoExecutionException("Cannot work out the test phase of " + project.getArtifactId() + ": "
                    + e, e);
        }
        List<MojoExecution> surefire = executionPlan.getMojoExecutions().stream()
                .filter(e -> SUREFIRE_ARTIFACT.equals(e.getArtifactId()) && "test".equals(e.getGoal())).toList();
        if (surefire.isEmpty()) {
            throw new MojoFailureException("reprodiff:calibrate found no Surefire test execution in the test phase"
                    + " of " + project.getArtifactId() + "; it runs the tests through the build's own Surefire, so"
                    + " the module needs one (packaging jar has it by default)");
        }
        return surefire;
    }

    private void runAll(Properties user, List<MojoExecution> surefire, List<CalibrationVariation> plan,
                        List<CalibrationVariation> notRun) throws MojoExecutionException {
        Map<String, String> saved = new LinkedHashMap<>();
        List<String> touched = new ArrayList<>(CalibrationVariation.propertyNames());
        touched.addAll(List.of(GoldenProperties.MODE, GoldenProperties.CALIBRATE_RUN, GoldenProperties.RUN_ID));
        touched.forEach(key -> saved.put(key, user.getProperty(key)));
        String runId = "mvn-calibrate-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt() >>> 4);
        if (!notRun.isEmpty()) {
            getLog().warn("reprodiff: " + plan.size() + " runs leave out the variations "
                    + String.join(", ", notRun.stream().map(CalibrationVariation::name).toList()) + "; -D"
                    + GoldenProperties.CALIBRATE_RUNS + "=" + (plan.size() + notRun.size()) + " runs them all");
        }
        try {
            for (int i = 0; i < plan.size(); i++) {
                CalibrationVariation variation = plan.get(i);
                CalibrationVariation.propertyNames().forEach(user::remove);
                user.setProperty(GoldenProperties.MODE, GoldenMode.CALIBRATE.value());
                user.setProperty(GoldenProperties.CALIBRATE_RUN, Integer.toString(i + 1));
                user.setProperty(GoldenProperties.RUN_ID, runId + "-" + (i + 1));
                variation.properties().forEach(user::setProperty);
                getLog().info("reprodiff: calibration run " + (i + 1) + " of " + plan.size() + ": "
                        + variation.name() + " (" + variation.describe() + ")");
                for (MojoExecution execution : surefire) {
                    // Surefire skips a configuration it has run once in this build ("already been run for this
                    // configuration"), remembering it in its plugin context: what a run added is forgotten after it.
                    Map<String, Object> context = session.getPluginContext(execution.getMojoDescriptor()
                            .getPluginDescriptor(), project);
                    Set<String> before = new HashSet<>(context.keySet());
                    try {
                        pluginManager.executeMojo(session, execution);
                    } catch (MojoFailureException e) {
                        // Failing tests: their goldens that were compared before the failure still count.
                        getLog().warn("reprodiff: calibration run " + (i + 1) + " (" + variation.name()
                                + "): tests failed (" + e.getMessage() + "); what they observed before failing"
                                + " is kept");
                    } catch (Exception e) {
                        throw new MojoExecutionException("reprodiff:calibrate: run " + (i + 1) + " ("
                                + variation.name() + ") could not run " + execution + ": " + e, e);
                    } finally {
                        context.keySet().retainAll(before);
                    }
                }
            }
        } finally {
            saved.forEach((key, value) -> {
                if (value == null) {
                    user.remove(key);
                } else {
                    user.setProperty(key, value);
                }
            });
        }
    }

    private static void deleteObservations(Path artifacts) throws MojoExecutionException {
        Path folder = artifacts.resolve(CalibrationObservation.FOLDER);
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot delete the previous calibration's observations in " + folder
                    + ": " + e, e);
        }
    }

    private Map<String, String> versions(List<CalibrationObservation> observations) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("reprodiff", mojoExecution.getMojoDescriptor().getPluginDescriptor().getVersion());
        observations.stream().findFirst().ifPresent(o -> {
            versions.put("libtorch", o.subject().current().libtorchVersion());
            versions.put("djl", o.subject().current().djlVersion());
        });
        versions.put("java", System.getProperty("java.version"));
        return versions;
    }

    /** Which accelerators this machine has, and what calibration did with them. */
    static String accelerators() {
        Path gpus = Path.of("/proc/driver/nvidia/gpus");
        long count = 0;
        if (Files.isDirectory(gpus)) {
            try (Stream<Path> list = Files.list(gpus)) {
                count = list.count();
            } catch (IOException e) {
                count = 0;
            }
        }
        return count == 0
                ? "none: this machine has no CUDA device (no " + gpus + "), so only CPU results were observed"
                : count + " CUDA device(s): not varied by calibrate; each test computes on the device it picks, and"
                + " only the pairs its goldens' variants make with that device (such as cpuVsGpu) were observed";
    }

    static void log(Log log, Calibration calibration, Path file) {
        log.info("reprodiff: calibration of " + Calibration.count(calibration.runs(), "run") + " (" + String.join(", ",
                calibration.variations().stream().map(CalibrationVariation::name).toList()) + "), safety factor "
                + calibration.safetyFactor() + " -> " + file);
        for (Calibration.Entry e : calibration.goldens()) {
            log.info("  " + e.golden() + " " + e.pair() + ": observed max " + Calibration.format(e.maxLinf())
                    + " (relative " + Calibration.format(e.maxRelative()) + ", median "
                    + Calibration.format(e.linf().median()) + ") over "
                    + Calibration.count(e.observations(), "observation") + " -> "
                    + (e.proposedAtol() == null ? "no proposal (non-deterministic)"
                    : "proposed atol " + Calibration.format(e.proposedAtol()))
                    + "; in force: " + e.rule().describe() + " (" + e.rule().source() + ", " + e.rule().provenance()
                    + ")");
        }
        for (Calibration.NonDeterministic finding : calibration.nonDeterministic()) {
            log.warn("reprodiff: non-deterministic under @Deterministic: " + finding.describe()
                    + "; a finding, not a tolerance: no tolerance proposed for it");
        }
        calibration.notCompared().forEach(line -> log.warn("reprodiff: not compared: " + line));
        log.info("reprodiff: accelerators: " + calibration.accelerators());
    }

    /** Writes the proposals into the profile; refuses (writing nothing) to loosen unless allowed. */
    static void apply(Log log, Calibration calibration, Path profileFile, boolean allowLoosen)
            throws MojoFailureException, MojoExecutionException {
        ToleranceProfile profile;
        try {
            profile = ToleranceProfile.read(profileFile);
        } catch (ToleranceProfile.InvalidProfileException e) {
            throw new MojoFailureException(e.getMessage(), e);
        }
        List<Calibration.Change> changes = calibration.changes(profile);
        List<Calibration.Change> loosening = changes.stream().filter(c -> c.kind() == Calibration.Kind.LOOSEN)
                .toList();
        if (!loosening.isEmpty() && !allowLoosen) {
            loosening.forEach(c -> log.error("reprodiff: would loosen " + c.describe()));
            throw new MojoFailureException("reprodiff:calibrate refuses to loosen " + loosening.size()
                    + (loosening.size() == 1 ? " tolerance" : " tolerances") + " in " + profileFile + " ("
                    + String.join(", ", loosening.stream().map(c -> c.golden() + " " + c.pair()).toList())
                    + "): each proposal (its atol, rtol 0) allows more than the rule in force, for some elements at least."
                    + " The profile was not written (calibration.json was). If the evidence above is right, pass -D" + GoldenProperties.CALIBRATE_ALLOW_LOOSEN + "=true; if not, find what"
                    + " changed the results.");
        }
        for (Calibration.Change change : changes) {
            profile.set(change.golden(), change.pair(), change.atol(), 0, calibration.evidence(change.evidence()));
            log.info("reprodiff: " + change.describe());
        }
        if (changes.isEmpty()) {
            log.info("reprodiff: no proposal to apply to " + profileFile);
            return;
        }
        try {
            profile.write();
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write " + profileFile + ": " + e, e);
        }
        log.info("reprodiff: applied " + changes.size() + " calibrated tolerances to " + profileFile);
    }
}
