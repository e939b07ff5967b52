package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.testing.FixtureFiles;
import dev.reprodiff.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every {@code unet_forward} case of the unet2d fixtures, within the manifest's tolerance (1e-4). */
class UNet2DModelFixtureTests {

    static final List<String> MODELS = List.of("ddim-test-tiny", "ddpm-cifar-small");

    @AfterAll
    static void reportWorst() {
        System.out.println(FixtureFiles.report());
    }

    static Stream<Arguments> forwardCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : MODELS) {
            try (Fixtures fixtures = Fixtures.load("unet2d/" + model + "/cases")) {
                for (JsonNode c : fixtures.manifest().get("cases")) {
                    if (c.get("kind").asText().equals("unet_forward")) {
                        cases.add(Arguments.of(model, Named.of(model + " " + c.get("name").asText(), c)));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("forwardCases")
    void forwardMatchesDiffusers(String model, JsonNode testCase) {
        try (Fixtures fixtures = Fixtures.load("unet2d/" + model + "/cases");
             NDManager manager = NDManager.newBaseManager("PyTorch");
             UNet2DModel unet = UNet2DModel.fromPretrained(FixtureFiles.path("unet2d/" + model + "/model/unet"),
                     manager)) {
            NDArray sample = fixtures.tensor(testCase.get("input").asText());
            NDArray expected = fixtures.tensor(testCase.get("output").asText());

            NDArray actual = unet.forward(sample, testCase.get("timestep").asDouble());

            double linf = FixtureFiles.record(model + " forward", FixtureFiles.linf(actual, expected));
            assertThat(linf).as("L-infinity of %s", testCase.get("name").asText())
                    .isLessThanOrEqualTo(testCase.get("tolerance_linf").asDouble());
        }
    }
}
