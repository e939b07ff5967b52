package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenMode;
import dev.reprodiff.golden.GoldenProperties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts the build's Surefire and Failsafe executions in record mode, as jacoco's {@code prepare-agent} puts its agent
 * on their command line: the record goals' forked lifecycle runs it first (see {@code META-INF/maven/lifecycle.xml}),
 * so that every test JVM that follows gets {@code reprodiff.golden.mode} and one {@code reprodiff.run.id},
 * and every Surefire setting applies as in {@code mvn test}. Refuses on CI, and refuses the plugin's old property
 * names.
 */
@Mojo(name = "prepare-record", threadSafe = true)
public class PrepareRecordMojo extends AbstractMojo {

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private MavenSession session;

    /** {@code record} or {@code record-missing}; set by the goal's forked lifecycle. */
    @Parameter(required = true)
    private String mode;

    /** Overrides the {@code CI} environment variable: set unless empty, {@code false} or {@code 0}. */
    @Parameter(property = GoldenProperties.CI)
    private String ci;

    /** Record even on CI. */
    @Parameter(property = GoldenProperties.FORCE_RECORD, defaultValue = "false")
    private boolean forceRecord;

    @Override
    public void execute() throws MojoFailureException {
        Properties user = session.getUserProperties();
        RenamedProperties.refuse(user);
        GoldenMode recording = GoldenMode.parse(mode).filter(GoldenMode::records).orElseThrow(() ->
                new MojoFailureException("Invalid mode \"" + mode + "\" for prepare-record; expected record or"
                        + " record-missing"));
        String asked = user.getProperty(GoldenProperties.MODE);
        if (asked != null && !asked.equals(recording.value())) {
            throw new MojoFailureException("reprodiff:" + recording.value() + " runs the tests with -D"
                    + GoldenProperties.MODE + "=" + recording.value() + ", but the command line says -D"
                    + GoldenProperties.MODE + "=" + asked + "; drop one of them");
        }
        String ciValue = ci != null ? ci : System.getenv(GoldenProperties.CI_ENVIRONMENT_VARIABLE);
        if (GoldenProperties.isCi(ciValue) && !forceRecord) {
            throw new MojoFailureException("reprodiff:" + recording.value() + " refuses to run on CI (CI="
                    + ciValue + "; CI counts as set unless it is empty, false or 0): goldens are recorded on a"
                    + " developer's machine and committed. Pass -D" + GoldenProperties.FORCE_RECORD
                    + "=true to record anyway.");
        }
        // Set for the rest of this Maven run, not restored: with -T, modules fork their lifecycles in parallel
        // and share the session's properties, and restoring after one would switch another's tests back to verify.
        user.setProperty(GoldenProperties.MODE, recording.value());
        if (!user.containsKey(GoldenProperties.RUN_ID)) {
            user.setProperty(GoldenProperties.RUN_ID, "mvn-" + LocalDateTime.now().format(
                    DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                    + Integer.toHexString(ThreadLocalRandom.current().nextInt() >>> 4));
        }
        RecordingListener.install(session, getLog());
        getLog().info("reprodiff: the tests of this build record goldens (-D" + GoldenProperties.MODE + "="
                + recording.value() + ", run " + user.getProperty(GoldenProperties.RUN_ID) + ")");
    }
}
