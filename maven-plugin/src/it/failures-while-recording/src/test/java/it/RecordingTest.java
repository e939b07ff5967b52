package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Goldens
class RecordingTest {

    @Test
    void passes(Golden golden) {
        golden.verify("kept/passing", new float[] {1, 2}, 2);
    }

    @Test
    void recordsThenFails(Golden golden) {
        golden.verify("lost/failing", new float[] {3, 4}, 2);
        throw new AssertionError("fails after its assertion recorded");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void seeds(int seed, Golden golden) {
        golden.verify("lost/seed", new float[] {seed}, 1);
    }
}
