package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

@Goldens
class FastTest {

    @Test
    @Tag("fast")
    void fast(Golden golden) {
        golden.verify("selected/fast", new float[] {1, 2}, 2);
    }

    @Test
    @Tag("slow")
    void slow(Golden golden) {
        golden.verify("selected/slow", new float[] {3, 4}, 2);
    }
}
