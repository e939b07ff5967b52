package dev.reprodiff.maven;

import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Records every golden that the module's unit and integration tests (Surefire and Failsafe) compare, running the lifecycle up to verify.
 *
 * <pre>{@code mvn reprodiff:record-integration}</pre>
 */
@Mojo(name = "record-integration", threadSafe = true)
@Execute(phase = LifecyclePhase.VERIFY, lifecycle = "reprodiff-record")
public class RecordIntegrationMojo extends AbstractRecordMojo {
}
