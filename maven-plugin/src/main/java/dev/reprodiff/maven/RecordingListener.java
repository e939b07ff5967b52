package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenProperties;
import org.apache.maven.execution.ExecutionEvent;
import org.apache.maven.execution.ExecutionListener;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;

/**
 * Says what a recording that failed did and did not write. When a test fails or its JVM dies, Surefire fails the
 * record goal's forked lifecycle and the goal itself never runs; Maven then fires {@code ForkFailed} with the goal's
 * execution, and this listener (chained before Maven's own, which it passes every event to) reports the tests that
 * did not finish, the goldens that were not written and the ones that were.
 */
final class RecordingListener implements ExecutionListener {

    private final ExecutionListener next;
    private final Log log;

    private RecordingListener(ExecutionListener next, Log log) {
        this.next = next;
        this.log = log;
    }

    /** Chains the listener into the session, once. */
    static void install(MavenSession session, Log log) {
        ExecutionListener current = session.getRequest().getExecutionListener();
        if (current == null || !current.getClass().getName().equals(RecordingListener.class.getName())) {
            session.getRequest().setExecutionListener(new RecordingListener(current, log));
        }
    }

    @Override
    public void forkFailed(ExecutionEvent event) {
        if (next != null) {
            next.forkFailed(event);
        }
        MojoExecution execution = event.getMojoExecution();
        if (execution != null && execution.getGoal().startsWith("record") && execution.getArtifactId()
                .equals("reprodiff-maven-plugin")) {
            try {
                RecordingReport.of(event.getProject(), event.getSession().getUserProperties()).log(log, true,
                        Sizes.parse(event.getSession().getUserProperties().getProperty(GoldenProperties.SIZE_BUDGET,
                                GoldenProperties.DEFAULT_SIZE_BUDGET), GoldenProperties.SIZE_BUDGET));
            } catch (MojoFailureException | RuntimeException e) {
                log.warn("reprodiff: cannot say what the failed recording wrote: " + e);
            }
        }
    }

    @Override
    public void projectDiscoveryStarted(ExecutionEvent event) {
        if (next != null) {
            next.projectDiscoveryStarted(event);
        }
    }

    @Override
    public void sessionStarted(ExecutionEvent event) {
        if (next != null) {
            next.sessionStarted(event);
        }
    }

    @Override
    public void sessionEnded(ExecutionEvent event) {
        if (next != null) {
            next.sessionEnded(event);
        }
    }

    @Override
    public void projectSkipped(ExecutionEvent event) {
        if (next != null) {
            next.projectSkipped(event);
        }
    }

    @Override
    public void projectStarted(ExecutionEvent event) {
        if (next != null) {
            next.projectStarted(event);
        }
    }

    @Override
    public void projectSucceeded(ExecutionEvent event) {
        if (next != null) {
            next.projectSucceeded(event);
        }
    }

    @Override
    public void projectFailed(ExecutionEvent event) {
        if (next != null) {
            next.projectFailed(event);
        }
    }

    @Override
    public void mojoSkipped(ExecutionEvent event) {
        if (next != null) {
            next.mojoSkipped(event);
        }
    }

    @Override
    public void mojoStarted(ExecutionEvent event) {
        if (next != null) {
            next.mojoStarted(event);
        }
    }

    @Override
    public void mojoSucceeded(ExecutionEvent event) {
        if (next != null) {
            next.mojoSucceeded(event);
        }
    }

    @Override
    public void mojoFailed(ExecutionEvent event) {
        if (next != null) {
            next.mojoFailed(event);
        }
    }

    @Override
    public void forkStarted(ExecutionEvent event) {
        if (next != null) {
            next.forkStarted(event);
        }
    }

    @Override
    public void forkSucceeded(ExecutionEvent event) {
        if (next != null) {
            next.forkSucceeded(event);
        }
    }

    @Override
    public void forkedProjectStarted(ExecutionEvent event) {
        if (next != null) {
            next.forkedProjectStarted(event);
        }
    }

    @Override
    public void forkedProjectSucceeded(ExecutionEvent event) {
        if (next != null) {
            next.forkedProjectSucceeded(event);
        }
    }

    @Override
    public void forkedProjectFailed(ExecutionEvent event) {
        if (next != null) {
            next.forkedProjectFailed(event);
        }
    }
}
