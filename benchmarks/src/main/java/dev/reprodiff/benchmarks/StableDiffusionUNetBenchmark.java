package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.models.UNet2DConditionConfig;
import dev.reprodiff.models.UNet2DConditionModel;
import dev.reprodiff.random.Generator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Stable Diffusion denoising step with classifier-free guidance: a {@link UNet2DConditionModel} forward at
 * batch 2 (unconditional and conditional halves) over 77 text states, with weights drawn from a seeded Generator,
 * against the machine's float32 matmul rate through DJL (2048 x 2048 x 2048) in the same run.
 *
 * <p>{@code architecture} selects the model: {@code tiny} (the default, so that a plain run stays small: the sd-tiny
 * UNet at 32x32 latents) or {@code sd15} (the real Stable Diffusion 1.5 UNet, 859,520,964 parameters, at 64x64
 * latents, i.e. 512x512 images: about 3.4 GiB of weights in engine memory, none on the heap beyond one tensor while
 * they are drawn). Run {@code benchmarks/run StableDiffusionUNetBenchmark -p architecture=sd15}, or
 * {@code benchmarks/run-main StableDiffusionUNetBenchmark sd15} for seconds per step, effective GFLOP/s
 * ({@link #gflopPerStep}: convolutions, linear layers and the attention products, a multiply-add counted as two), the
 * matmul's GFLOP/s ({@code 2 * 2048^3 / seconds}), their ratio, and the step's peak resident memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"})
public class StableDiffusionUNetBenchmark {

    /** Guidance doubles the batch: one unconditional and one conditional image. */
    static final int BATCH = 2;
    /** CLIP's sequence length. */
    static final int TEXT_LENGTH = 77;
    static final double MATMUL_GFLOP = 2.0 * 2048 * 2048 * 2048 / 1e9;

    @Param({"tiny"})
    public String architecture;

    /**
     * {@code none}, or a slice size for {@link UNet2DConditionModel#setAttentionSlice(String)} ({@code auto},
     * {@code max}, a number): {@code -p attentionSlicing=auto} measures diffusers' {@code enable_attention_slicing()}.
     */
    @Param({"none"})
    public String attentionSlicing;

    private NDManager manager;
    private UNet2DConditionModel unet;
    private NDArray sample;
    private NDArray context;
    private NDArray left;
    private NDArray right;

    @Setup(Level.Trial)
    public void setUp() {
        UNet2DConditionConfig config = config(architecture);
        int size = latentSize(architecture);
        manager = PyTorchEngine.newManager();
        unet = UNet2DConditionModel.withRandomWeights(config, Generator.seeded(0), manager);
        if (!attentionSlicing.equals("none")) {
            unet.setAttentionSlice(attentionSlicing);
        }
        sample = Generator.seeded(1).randn(manager, new Shape(BATCH, config.inChannels(), size, size));
        context = Generator.seeded(2).randn(manager, new Shape(BATCH, TEXT_LENGTH,
                config.crossAttentionDimension()));
        left = Generator.seeded(3).randn(manager, new Shape(2048, 2048));
        right = Generator.seeded(4).randn(manager, new Shape(2048, 2048));
        System.out.printf(Locale.ROOT, "%n%s: %,d parameters, %.4g GFLOP per step (batch %d, %dx%d latents)%n",
                architecture, unet.numParameters(), gflopPerStep(config, size, size), BATCH, size, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println("peak resident memory of the benchmark JVM (attention slicing " + attentionSlicing + "): "
                + peakResidentMemory());
        unet.close();
        manager.close();
    }

    @Benchmark
    @SuppressWarnings("try")
    public float unetStep() {
        try (NDScope step = new NDScope()) {
            return unet.forward(sample, 981, context).getFloat(0, 0, 0, 0);
        }
    }

    @Benchmark
    @SuppressWarnings("try")
    public float matmul2048() {
        try (NDScope step = new NDScope()) {
            return left.matMul(right).getFloat(0, 0);
        }
    }

    /** The UNet config: {@code sd15} is runwayml/stable-diffusion-v1-5's {@code unet/config.json}. */
    static UNet2DConditionConfig config(String architecture) {
        Map<String, Object> values = switch (architecture) {
            case "sd15" -> Map.of("attention_head_dim", 8, "block_out_channels", List.of(320, 640, 1280, 1280),
                    "cross_attention_dim", 768, "down_block_types", List.of("CrossAttnDownBlock2D",
                            "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                    "up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                            "CrossAttnUpBlock2D"),
                    "layers_per_block", 2, "norm_num_groups", 32, "sample_size", 64);
            case "tiny" -> Map.of("attention_head_dim", 8, "block_out_channels", List.of(4, 8),
                    "cross_attention_dim", 8, "down_block_types", List.of("DownBlock2D", "CrossAttnDownBlock2D"),
                    "up_block_types", List.of("CrossAttnUpBlock2D", "UpBlock2D"),
                    "layers_per_block", 1, "norm_num_groups", 2, "sample_size", 32);
            default -> throw new IllegalArgumentException("architecture must be tiny or sd15, not " + architecture);
        };
        return UNet2DConditionConfig.of(ConfigFile.of(architecture + " UNet config", values));
    }

    static int latentSize(String architecture) {
        return config(architecture).sampleHeight();
    }

    /**
     * Floating-point operations of one forward at batch {@link #BATCH}, in GFLOP: every convolution
     * ({@code 2 * weights * output pixels}), every linear layer ({@code 2 * weights * tokens}: the H*W positions, the
     * 77 text states for cross-attention keys and values, one row for time embeddings) and the attention products
     * ({@code 4 * queries * keys * channels}); norms, activations and softmax are left out.
     */
    static double gflopPerStep(UNet2DConditionConfig config, int height, int width) {
        int last = config.blockOutChannels().size() - 1;
        double flop = 0;
        for (Map.Entry<String, Shape> entry : UNet2DConditionModel.parameterShapes(config).entrySet()) {
            String name = entry.getKey();
            Shape shape = entry.getValue();
            if (!name.endsWith(".weight") || shape.dimension() < 2) {
                continue;
            }
            int level = level(name, last);
            double pixels = (double) (height >> level) * (width >> level);
            if (shape.dimension() == 4) {
                flop += 2.0 * shape.size() * pixels * BATCH;
            } else if (name.startsWith("time_embedding") || name.contains("time_emb_proj")) {
                flop += 2.0 * shape.size() * BATCH;
            } else if (name.contains("attn2.to_k") || name.contains("attn2.to_v")) {
                flop += 2.0 * shape.size() * TEXT_LENGTH * BATCH;
            } else {
                flop += 2.0 * shape.size() * pixels * BATCH;
            }
            if (name.endsWith("attn1.to_q.weight")) {
                flop += 4.0 * pixels * pixels * shape.get(0) * BATCH;
            } else if (name.endsWith("attn2.to_q.weight")) {
                flop += 4.0 * pixels * TEXT_LENGTH * shape.get(0) * BATCH;
            }
        }
        return flop / 1e9;
    }

    /** How many times a parameter's input has been halved: its block's resolution level. */
    private static int level(String name, int last) {
        String[] parts = name.split("\\.");
        if (parts[0].equals("down_blocks")) {
            int block = Integer.parseInt(parts[1]);
            return parts[2].equals("downsamplers") ? block + 1 : block;
        }
        if (parts[0].equals("up_blocks")) {
            int block = last - Integer.parseInt(parts[1]);
            return parts[2].equals("upsamplers") ? block - 1 : block;
        }
        return parts[0].equals("mid_block") ? last : 0;
    }

    private static String peakResidentMemory() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                    .map(l -> l.replaceAll("VmHWM:\\s*", "")).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** Runs both benchmarks for {@code args[0]} ({@code tiny} by default) and prints the derived figures. */
    public static void main(String[] args) throws RunnerException {
        String architecture = args.length > 0 ? args[0] : "tiny";
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(StableDiffusionUNetBenchmark.class.getSimpleName())
                .param("architecture", architecture).build()).run();
        double stepMs = 0;
        double matmulMs = 0;
        for (RunResult result : results) {
            double ms = result.getPrimaryResult().getScore();
            if (result.getParams().getBenchmark().endsWith("unetStep")) {
                stepMs = ms;
            } else {
                matmulMs = ms;
            }
        }
        UNet2DConditionConfig config = config(architecture);
        int size = latentSize(architecture);
        double stepGflops = gflopPerStep(config, size, size) / (stepMs / 1e3);
        double matmulGflops = MATMUL_GFLOP / (matmulMs / 1e3);
        System.out.printf(Locale.ROOT, "%s UNet step (batch %d, %dx%d latents): %.3f s per step, %.1f GFLOP/s;"
                        + " 2048^3 float32 matmul: %.1f GFLOP/s; ratio %.2f%n", architecture, BATCH, size, size,
                stepMs / 1e3, stepGflops, matmulGflops, stepGflops / matmulGflops);
    }
}
