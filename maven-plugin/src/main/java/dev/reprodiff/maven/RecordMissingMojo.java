package dev.reprodiff.maven;

import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Records the goldens that do not exist yet; the module's tests (Surefire) verify the others.
 *
 * <pre>{@code mvn reprodiff:record-missing}</pre>
 */
@Mojo(name = "record-missing", threadSafe = true)
@Execute(phase = LifecyclePhase.TEST, lifecycle = "reprodiff-record-missing")
public class RecordMissingMojo extends AbstractRecordMojo {
}
