package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;

@Goldens
class PipelineIT {

    @Test
    void matchesItsGolden(Golden golden) {
        golden.verify("integration/values", new float[] {1 + 0f, 2}, 2);
    }
}
