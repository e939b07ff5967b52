package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

@Goldens
class ExcludedTest {

    @Test
    @Tag("fast")
    void excluded(Golden golden) {
        golden.verify("selected/excluded", new float[] {5, 6}, 2);
    }
}
