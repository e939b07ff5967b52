package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenProperties;
import org.apache.maven.plugin.MojoFailureException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The plugin's property names before it ran the build's own Surefire: each now fails, naming what replaced it, so
 * that an old command line never records with a setting silently ignored.
 */
final class RenamedProperties {

    private static final Map<String, String> RENAMED = new LinkedHashMap<>();

    static {
        RENAMED.put("reprodiff.goldenDir", "-D" + GoldenProperties.DIR + ", the name the JUnit extension reads");
        RENAMED.put("reprodiff.platform", "-D" + GoldenProperties.RECORD_AS
                + " (default, device-type or device), the name the JUnit extension reads");
        RENAMED.put("reprodiff.force", "-D" + GoldenProperties.FORCE_RECORD + "=true, the name the JUnit extension"
                + " reads");
        RENAMED.put("reprodiff.recordMissing", "the goal reprodiff:record-missing");
        RENAMED.put("reprodiff.tests", "Surefire's own -Dtest=..., since recording runs Surefire");
        RENAMED.put("reprodiff.jvm", "Surefire's jvm parameter or a toolchain, since recording runs Surefire");
        RENAMED.put("reprodiff.cublasWorkspaceConfig", "CUBLAS_WORKSPACE_CONFIG in Surefire's"
                + " <environmentVariables>, since recording runs Surefire");
        RENAMED.put("reprodiff.artifactsDir", "-D" + GoldenProperties.ARTIFACTS_DIR + ", the name the JUnit"
                + " extension reads");
        RENAMED.put("reprodiff.reportDir", "-D" + ReportMojo.REPORT_DIR);
        RENAMED.put("reprodiff.surefireReports", "Surefire's reportsDirectory, which the report reads");
    }

    private RenamedProperties() {
    }

    /** Fails on the first old name among the command line's properties. */
    static void refuse(Properties userProperties) throws MojoFailureException {
        for (Map.Entry<String, String> renamed : RENAMED.entrySet()) {
            if (userProperties.containsKey(renamed.getKey())) {
                throw new MojoFailureException("-D" + renamed.getKey() + " is no longer read by the reprodiff"
                        + " plugin: use " + renamed.getValue() + ". Plugin, extension and documentation share one"
                        + " set of names (reprodiff.golden.*, reprodiff.artifacts.*).");
            }
        }
    }
}
