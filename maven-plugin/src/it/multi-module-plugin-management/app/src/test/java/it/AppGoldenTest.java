package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.api.Test;

@Goldens
class AppGoldenTest {

    @Test
    void matchesItsGolden(Golden golden) {
        float offset = Float.parseFloat(System.getProperty("it.offset", "0"));
        golden.verify("app/values", new float[] {it.lib.Values.scale() + offset, 2}, 2);
    }
}
