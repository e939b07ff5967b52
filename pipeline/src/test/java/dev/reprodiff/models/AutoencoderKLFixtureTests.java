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

/** Every case of {@code sd-tiny/cases/vae} (model and model-variant) within the manifest's tolerance (1e-4). */
class AutoencoderKLFixtureTests {

    static final String GROUP = "sd-tiny/cases/vae";

    @AfterAll
    static void reportWorst() {
        System.out.println(FixtureFiles.report());
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        try (Fixtures fixtures = Fixtures.load(GROUP)) {
            for (JsonNode c : fixtures.manifest().get("cases")) {
                cases.add(Arguments.of(Named.of(c.get("name").asText(), c)));
            }
        }
        return cases.stream();
    }

    @org.junit.jupiter.api.Test
    void encodeGivesTheLatentDistributionAtOneScaleFactorOfTheImage() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
             AutoencoderKL vae = AutoencoderKL.fromPretrained(FixtureFiles.path("sd-tiny/model-variant/vae"),
                     manager)) {
            NDArray images = dev.reprodiff.random.Generator.seeded(0).rand(manager,
                    new ai.djl.ndarray.types.Shape(2, 3, 64, 64)).mul(2).sub(1);

            AutoencoderKL.LatentDistribution posterior = vae.encode(images);
            NDArray first = posterior.sample(dev.reprodiff.random.Generator.seeded(5));
            NDArray second = posterior.sample(dev.reprodiff.random.Generator.seeded(5));

            assertThat(posterior.mean().getShape()).isEqualTo(new ai.djl.ndarray.types.Shape(2, 4, 32, 32));
            assertThat(posterior.mode()).isSameAs(posterior.mean());
            assertThat(posterior.logvar().max().getFloat()).isLessThanOrEqualTo(20f);
            assertThat(posterior.logvar().min().getFloat()).isGreaterThanOrEqualTo(-30f);
            assertThat(FixtureFiles.linf(first, second)).isZero();
            assertThat(FixtureFiles.linf(first, posterior.mean())).isGreaterThan(0);
            assertThat(vae.decode(first).getShape()).isEqualTo(new ai.djl.ndarray.types.Shape(2, 3, 64, 64));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodeMatchesDiffusers(JsonNode testCase) {
        String model = testCase.get("model").asText();
        JsonNode tensors = testCase.get("tensors");
        try (Fixtures fixtures = Fixtures.load(GROUP);
             NDManager manager = NDManager.newBaseManager("PyTorch");
             AutoencoderKL vae = AutoencoderKL.fromPretrained(FixtureFiles.path("sd-tiny/" + model + "/vae"),
                     manager)) {
            NDArray latents = fixtures.tensor(tensors.get("latents").asText());
            NDArray expected = fixtures.tensor(tensors.get("decoded").asText());

            NDArray actual = vae.decode(latents);

            double linf = FixtureFiles.record("sd-tiny vae (" + model + ")", FixtureFiles.linf(actual, expected));
            assertThat(linf).as("L-infinity of %s", testCase.get("name").asText())
                    .isLessThanOrEqualTo(testCase.get("tolerance_linf").asDouble());
            assertThat(vae.scalingFactor()).isEqualTo(testCase.get("scaling_factor").asDouble());
        }
    }
}
