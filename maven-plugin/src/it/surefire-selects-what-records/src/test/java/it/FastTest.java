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
        // The JUnit this project runs on, for verify.groovy: the build's JUnit line, 5.14 or 6.1.
        System.out.println("JUnit Jupiter " + Test.class.getPackage().getImplementationVersion());
        golden.verify("selected/fast", new float[] {1, 2}, 2);
    }

    @Test
    @Tag("slow")
    void slow(Golden golden) {
        golden.verify("selected/slow", new float[] {3, 4}, 2);
    }
}
