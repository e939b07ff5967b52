package dev.reprodiff.maven;

import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Records the missing goldens of the module's unit and integration tests (Surefire and Failsafe), running the lifecycle up to verify.
 *
 * <pre>{@code mvn reprodiff:record-missing-integration}</pre>
 */
@Mojo(name = "record-missing-integration", threadSafe = true)
@Execute(phase = LifecyclePhase.VERIFY, lifecycle = "reprodiff-record-missing")
public class RecordMissingIntegrationMojo extends AbstractRecordMojo {
}
