package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;

@Goldens
class KilledTest {

    /** Killed (SIGKILL) after its assertion staged a golden: nothing after the kill runs in its JVM. */
    @Test
    void recordsThenDies(Golden golden) throws Exception {
        golden.verify("lost/killed", new float[] {5, 6}, 2);
        if (Boolean.getBoolean("it.kill")) {
            new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            Thread.sleep(60_000);
        }
    }
}
