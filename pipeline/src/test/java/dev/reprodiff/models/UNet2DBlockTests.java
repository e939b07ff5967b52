package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.random.Generator;
import dev.reprodiff.testing.FixtureFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Options the diffusers fixtures do not exercise, checked against the formulas they implement. */
class UNet2DBlockTests {

    private static final ConfigFile TINY = ConfigFile.read(
            FixtureFiles.path("unet2d/ddim-test-tiny/model/unet/config.json"));

    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void multiHeadAttentionIsEachHeadOnItsChannelsThenTheOutputProjection() {
        ParameterTable table = new ParameterTable();
        Attention attention = new Attention(table.scope("attn."), 8, 2, 4, 1e-5, 1.0);   // 4 heads of 2
        bindRandom(table, 3);
        NDArray input = new Generator().manualSeed(4).randn(manager, new Shape(2, 8, 3, 3));

        NDArray actual = attention.forward(input);

        Map<String, Parameter> p = table.parameters();
        NDArray hidden = groupNorm(input.reshape(2, 8, 9), p.get("attn.group_norm.weight").array(),
                p.get("attn.group_norm.bias").array(), 4).transpose(0, 2, 1);
        NDList heads = new NDList();
        for (int h = 0; h < 4; h++) {
            NDIndex channels = new NDIndex(":, :, {}:{}", 2 * h, 2 * h + 2);
            NDArray q = linear(hidden, p, "attn.to_q").get(channels);
            NDArray k = linear(hidden, p, "attn.to_k").get(channels);
            NDArray v = linear(hidden, p, "attn.to_v").get(channels);
            NDArray probs = q.batchMatMul(k.transpose(0, 2, 1)).div(Math.sqrt(2)).softmax(-1);
            heads.add(probs.batchMatMul(v));
        }
        NDArray expected = linear(NDArrays.concat(heads, 2), p, "attn.to_out.0").transpose(0, 2, 1)
                .reshape(2, 8, 3, 3).add(input);
        assertThat(FixtureFiles.linf(actual, expected)).isLessThan(1e-5);
    }

    @Test
    void scaleShiftResnetScalesAndShiftsTheNormalizedFeatures() {
        UNet2DConfig config = UNet2DConfig.of(TINY.with(Map.of("resnet_time_scale_shift", "scale_shift")));
        ParameterTable table = new ParameterTable();
        ResnetBlock2D block = new ResnetBlock2D(table.scope("r."), 4, 4, config, 1.0);
        bindRandom(table, 5);
        NDArray input = new Generator().manualSeed(6).randn(manager, new Shape(2, 4, 4, 4));
        NDArray temb = new Generator().manualSeed(7).randn(manager, new Shape(2, 16));

        NDArray actual = block.forward(input, temb);

        Map<String, Parameter> p = table.parameters();
        assertThat(p.get("r.time_emb_proj.weight").shape()).isEqualTo(new Shape(8, 16));
        NDArray h = conv(silu(groupNorm(input, p.get("r.norm1.weight").array(), p.get("r.norm1.bias").array(), 4)),
                p, "r.conv1");
        NDArray t = linear(silu(temb), p, "r.time_emb_proj").reshape(2, 8, 1, 1);
        NDArray scale = t.get(":, 0:4");
        NDArray shift = t.get(":, 4:8");
        h = groupNorm(h, p.get("r.norm2.weight").array(), p.get("r.norm2.bias").array(), 4)
                .mul(scale.add(1)).add(shift);
        NDArray expected = input.add(conv(silu(h), p, "r.conv2"));
        assertThat(FixtureFiles.linf(actual, expected)).isLessThan(1e-5);
    }

    @Test
    void scaleShiftMidBlockAttentionHasNoGroupNormUnlessAttnNormNumGroupsSaysSo() {
        Map<String, Shape> plain = UNet2DModel.parameterShapes(UNet2DConfig.of(
                TINY.with(Map.of("resnet_time_scale_shift", "scale_shift"))));
        Map<String, Shape> grouped = UNet2DModel.parameterShapes(UNet2DConfig.of(
                TINY.with(Map.of("resnet_time_scale_shift", "scale_shift", "attn_norm_num_groups", 2))));

        assertThat(plain).doesNotContainKey("mid_block.attentions.0.group_norm.weight")
                .containsKey("down_blocks.1.attentions.0.group_norm.weight")
                .containsEntry("mid_block.resnets.0.time_emb_proj.weight", new Shape(16, 16));
        assertThat(grouped).containsEntry("mid_block.attentions.0.group_norm.weight", new Shape(8));
    }

    @Test
    void centerInputSampleMapsTheInputTo2xMinus1() {
        UNet2DConfig centered = UNet2DConfig.of(TINY.with(Map.of("center_input_sample", true)));
        UNet2DConfig plain = UNet2DConfig.of(TINY);
        try (UNet2DModel a = UNet2DModel.withRandomWeights(centered, new Generator().manualSeed(1), manager);
             UNet2DModel b = UNet2DModel.withRandomWeights(plain, new Generator().manualSeed(1), manager)) {
            NDArray x = new Generator().manualSeed(2).randn(manager, new Shape(1, 3, 8, 8));

            assertThat(FixtureFiles.linf(a.forward(x, 42), b.forward(x.mul(2).sub(1), 42))).isZero();
        }
    }

    @Test
    void sampleSizeIsAnIntegerOrHeightAndWidth() {
        UNet2DConfig square = UNet2DConfig.of(TINY);
        UNet2DConfig wide = UNet2DConfig.of(TINY.with(Map.of("sample_size", java.util.List.of(8, 16))));

        assertThat(new int[] {square.sampleHeight(), square.sampleWidth()}).containsExactly(8, 8);
        assertThat(new int[] {wide.sampleHeight(), wide.sampleWidth()}).containsExactly(8, 16);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UNet2DConfig.of(
                TINY.with(Map.of("sample_size", "large"))))
                .isInstanceOf(dev.reprodiff.io.ConfigException.class)
                .hasMessageStartingWith("Invalid value \"large\" for \"sample_size\" in ");
    }

    @Test
    void forwardRefusesSamplesOfTheWrongShape() {
        try (UNet2DModel unet = UNet2DModel.withRandomWeights(UNet2DConfig.of(TINY), new Generator(), manager)) {
            NDArray odd = manager.zeros(new Shape(1, 3, 7, 8));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> unet.forward(odd, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("UNet2DModel expects a sample of shape (batch, 3, height, width) with height and"
                            + " width divisible by 2, but got (1, 3, 7, 8)");
        }
    }

    @Test
    void forwardHandsItsResultToTheEnclosingScopeAndFreesItsIntermediates() {
        try (UNet2DModel unet = UNet2DModel.withRandomWeights(UNet2DConfig.of(TINY), new Generator(), manager);
             NDManager calls = manager.newSubManager()) {
            NDArray x = calls.zeros(new Shape(1, 3, 8, 8));

            NDArray out = unet.forward(x, 3);

            assertThat(calls.getManagedArrays()).containsExactlyInAnyOrder(x, out);
        }
    }

    private void bindRandom(ParameterTable table, long seed) {
        Generator generator = new Generator().manualSeed(seed);
        for (Parameter parameter : table.parameters().values()) {
            parameter.bind(generator.randn(manager, parameter.shape()).mul(0.3));
        }
    }

    private static NDArray groupNorm(NDArray x, NDArray weight, NDArray bias, int groups) {
        Shape shape = x.getShape();
        NDArray grouped = x.reshape(shape.get(0), groups, -1);
        NDArray mean = grouped.mean(new int[] {2}, true);
        NDArray var = grouped.sub(mean).square().mean(new int[] {2}, true);
        NDArray normalized = grouped.sub(mean).div(var.add(1e-5).sqrt()).reshape(shape);
        long[] perChannel = shape.dimension() == 4 ? new long[] {1, shape.get(1), 1, 1}
                : new long[] {1, shape.get(1), 1};
        return normalized.mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
    }

    private static NDArray linear(NDArray x, Map<String, Parameter> p, String name) {
        return x.matMul(p.get(name + ".weight").array().transpose()).add(p.get(name + ".bias").array());
    }

    private static NDArray conv(NDArray x, Map<String, Parameter> p, String name) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, p.get(name + ".weight").array(),
                p.get(name + ".bias").array(), new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
    }

    private static NDArray silu(NDArray x) {
        return x.mul(x.neg().exp().add(1).pow(-1));
    }
}
