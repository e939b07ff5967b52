package it;

import dev.reprodiff.junit.Golden;
import dev.reprodiff.junit.Goldens;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.IntStream;

/** The same 30 goldens in every subclass; each subclass runs in a fork of its own, which records its variant. */
@Goldens
abstract class AbstractVariants {

    static IntStream indices() {
        return IntStream.range(0, 30);
    }

    @ParameterizedTest
    @MethodSource("it.AbstractVariants#indices")
    void records(int index, Golden golden) {
        String variant = System.getProperty("reprodiff.golden.variant");
        golden.verify("thirty/g" + index, new float[] {index, variant.hashCode()}, 2);
    }
}
