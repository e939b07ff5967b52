package dev.reprodiff.training;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a training run is: where it writes, how long it runs, the optimizer's settings and the UNet's architecture
 * (diffusers' {@code UNet2DModel} config keys). Everything that changes the weights is here, so a run is a function
 * of its options, its images and its seed.
 *
 * @param out the output folder: the diffusers model folder at the end, {@code checkpoints/} and {@code loss.csv}
 * @param steps the number of optimizer steps
 * @param batchSize images per step
 * @param seed the seed of the one generator that draws the initial weights, the batches, the timesteps and the noise
 * @param learningRate the peak learning rate
 * @param warmupSteps steps of linear warmup from 0 to the peak, followed by cosine decay to 0 at {@code steps}
 * @param checkpointEvery steps between checkpoints (the last step is always checkpointed)
 * @param resume continue from the latest checkpoint in {@code out/checkpoints} if there is one
 * @param maxGradNorm the global gradient norm is clipped to this ({@code torch.nn.utils.clip_grad_norm_})
 * @param weightDecay AdamW's decoupled weight decay
 * @param unetConfig the UNet's {@code config.json} keys (without {@code _class_name})
 */
public record TrainingOptions(Path out, long steps, int batchSize, long seed, double learningRate, long warmupSteps,
                              long checkpointEvery, boolean resume, double maxGradNorm, double weightDecay,
                              Map<String, Object> unetConfig) {

    /** AdamW's betas and epsilon ({@code torch.optim.AdamW}'s defaults). */
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1e-8;

    public TrainingOptions {
        Objects.requireNonNull(out, "out");
        unetConfig = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(unetConfig));
        require(steps >= 1, "steps", "at least 1", steps);
        require(batchSize >= 1, "batch size", "at least 1", batchSize);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate", "a positive number",
                learningRate);
        require(warmupSteps >= 0, "warmup steps", "0 or more", warmupSteps);
        require(checkpointEvery >= 1, "checkpoint interval", "at least 1", checkpointEvery);
        require(maxGradNorm > 0, "max gradient norm", "a positive number", maxGradNorm);
        require(weightDecay >= 0, "weight decay", "0 or more", weightDecay);
    }

    private static void require(boolean ok, String what, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid " + what + ": expected " + expected + ", got " + found);
        }
    }

    /**
     * The Fashion-MNIST UNet: 1 channel at 32x32, block_out_channels [16, 32, 64], one resnet per block, attention
     * at 8x8 (the last down block, the first up block and the mid block), 8 groups: 0.7M parameters. The other keys
     * are diffusers' {@code UNet2DModel} defaults, written out as {@code save_pretrained} writes them.
     */
    public static Map<String, Object> fashionMnistUnet() {
        return unet(32, 1, List.of(16, 32, 64), 1, List.of("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
                List.of("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"), 8, 8);
    }

    /** A diffusers {@code UNet2DModel} config with diffusers' defaults for every key not given here. */
    public static Map<String, Object> unet(int sampleSize, int channels, List<Integer> blockOutChannels,
                                           int layersPerBlock, List<String> downBlockTypes,
                                           List<String> upBlockTypes, int normNumGroups, int attentionHeadDim) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("act_fn", "silu");
        config.put("add_attention", true);
        config.put("attention_head_dim", attentionHeadDim);
        config.put("attn_norm_num_groups", null);
        config.put("block_out_channels", List.copyOf(blockOutChannels));
        config.put("center_input_sample", false);
        config.put("class_embed_type", null);
        config.put("down_block_types", List.copyOf(downBlockTypes));
        config.put("downsample_padding", 1);
        config.put("downsample_type", "conv");
        config.put("dropout", 0.0);
        config.put("flip_sin_to_cos", true);
        config.put("freq_shift", 0);
        config.put("in_channels", channels);
        config.put("layers_per_block", layersPerBlock);
        config.put("mid_block_scale_factor", 1);
        config.put("norm_eps", 1e-05);
        config.put("norm_num_groups", normNumGroups);
        config.put("num_class_embeds", null);
        config.put("num_train_timesteps", null);
        config.put("out_channels", channels);
        config.put("resnet_time_scale_shift", "default");
        config.put("sample_size", sampleSize);
        config.put("time_embedding_type", "positional");
        config.put("up_block_types", List.copyOf(upBlockTypes));
        config.put("upsample_type", "conv");
        return config;
    }

    /** The learning rate of step {@code step} (1 for the first): linear warmup, then cosine decay to 0. */
    public double learningRate(long step) {
        if (step <= warmupSteps) {
            return learningRate * step / warmupSteps;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps);
        return learningRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    }

    /** A copy with another output folder. */
    public TrainingOptions withOut(Path folder) {
        return new TrainingOptions(folder, steps, batchSize, seed, learningRate, warmupSteps, checkpointEvery,
                resume, maxGradNorm, weightDecay, unetConfig);
    }

    /** A copy with another step count and resume flag. */
    public TrainingOptions withSteps(long newSteps, boolean newResume) {
        return new TrainingOptions(out, newSteps, batchSize, seed, learningRate, warmupSteps, checkpointEvery,
                newResume, maxGradNorm, weightDecay, unetConfig);
    }
}
