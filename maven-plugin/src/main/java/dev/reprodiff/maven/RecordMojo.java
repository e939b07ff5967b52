package dev.reprodiff.maven;

import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Records every golden that the module's tests (Surefire) compare.
 *
 * <pre>{@code mvn reprodiff:record}</pre>
 */
@Mojo(name = "record", threadSafe = true)
@Execute(phase = LifecyclePhase.TEST, lifecycle = "reprodiff-record")
public class RecordMojo extends AbstractRecordMojo {
}
