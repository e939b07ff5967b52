package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;

import java.nio.file.Path;
import java.util.Map;

/**
 * diffusers' {@code AutoencoderKL}: the VAE of Stable Diffusion, built from its {@code config.json} and loaded from
 * {@code diffusion_pytorch_model.safetensors} by diffusers' parameter names.
 *
 * <pre>{@code
 * try (AutoencoderKL vae = AutoencoderKL.fromPretrained(Path.of("stable-diffusion-v1-5/vae"))) {
 *     NDArray image = vae.decode(latents.div(vae.scalingFactor()));   // in [-1, 1], 8x the latents' size
 * }
 * }</pre>
 *
 * <p>{@link #decode} and {@link #encode} are diffusers' {@code decode(z).sample} and {@code encode(x).latent_dist}:
 * neither applies {@link #scalingFactor()}; the pipeline does. Weights live on the model's own {@link NDManager},
 * freed by {@link #close()}; results belong to the caller as {@link UNet2DConditionModel#forward}'s do.
 */
public final class AutoencoderKL extends ModelMixin<AutoencoderKLConfig> {

    /** The weights file in a model folder, as diffusers' {@code save_pretrained} writes it. */
    public static final String WEIGHTS_NAME = "diffusion_pytorch_model.safetensors";

    private static final Loader<AutoencoderKLConfig, AutoencoderKL> LOADER = new Loader<>(WEIGHTS_NAME,
            AutoencoderKLConfig::of, AutoencoderKL::new);

    private final Encoder encoder;
    private final Decoder decoder;
    private final Layers.Conv2d quantConv;
    private final Layers.Conv2d postQuantConv;

    private AutoencoderKL(AutoencoderKLConfig config) {
        super(config);
        int latent = config.latentChannels();
        encoder = new Encoder(scope("encoder."), config);
        decoder = new Decoder(scope("decoder."), config);
        quantConv = new Layers.Conv2d(scope("quant_conv."), 2L * latent, 2L * latent, 1, 1, 0);
        postQuantConv = new Layers.Conv2d(scope("post_quant_conv."), latent, latent, 1, 1, 0);
    }

    /** Loads {@code folder/config.json} and {@code folder/diffusion_pytorch_model.safetensors} on a new manager. */
    public static AutoencoderKL fromPretrained(Path folder) {
        return LOADER.fromPretrained(folder);
    }

    /** As {@link #fromPretrained(Path)}, with the weights on a sub-manager of {@code parent}. */
    public static AutoencoderKL fromPretrained(Path folder, NDManager parent) {
        return LOADER.fromPretrained(folder, parent);
    }

    /** A model with weights drawn from {@code generator}, as {@link UNet2DConditionModel#withRandomWeights}. */
    public static AutoencoderKL withRandomWeights(AutoencoderKLConfig config, Generator generator, NDManager parent) {
        return LOADER.withRandomWeights(config, generator, parent);
    }

    /**
     * Every parameter name and shape of the model {@code config} describes, in {@code state_dict} order (83,653,863
     * parameters for Stable Diffusion 1.5's VAE).
     */
    public static Map<String, Shape> parameterShapes(AutoencoderKLConfig config) {
        return LOADER.parameterShapes(config);
    }

    /** {@code scaling_factor}: latents are {@code encode(x).sample() * s}, and decoded as {@code decode(z / s)}. */
    public double scalingFactor() {
        return config.scalingFactor();
    }

    /**
     * diffusers' {@code vae.decode(z).sample}: {@code post_quant_conv}, then the decoder.
     *
     * @param latents float32 (N, latent_channels, h, w), already divided by {@link #scalingFactor()}
     * @return float32 (N, out_channels, h * f, w * f), about [-1, 1], on {@code latents}' manager
     */
    public NDArray decode(NDArray latents) {
        requireInput(latents, config.latentChannels(), "latents");
        return Scoped.keep(() -> decoder.forward(postQuantConv.forward(latents)));
    }

    /**
     * diffusers' {@code vae.encode(x).latent_dist}: the encoder, then {@code quant_conv}, split into the diagonal
     * Gaussian's mean and log-variance.
     *
     * @param images float32 (N, in_channels, H, W) in [-1, 1], H and W divisible by {@link AutoencoderKLConfig#scaleFactor()}
     */
    public LatentDistribution encode(NDArray images) {
        requireInput(images, config.inChannels(), "images");
        NDArray moments = Scoped.keep(() -> quantConv.forward(encoder.forward(images)));
        NDList halves = moments.split(2, 1);
        // logvar = clamp(logvar, -30, 20), as DiagonalGaussianDistribution
        NDArray logvar = halves.get(1).clip(-30.0f, 20.0f);
        return new LatentDistribution(halves.get(0), logvar);
    }

    /**
     * diffusers' {@code DiagonalGaussianDistribution}: the VAE's posterior over latents.
     *
     * @param mean (N, latent_channels, h, w)
     * @param logvar the log-variance, clamped to [-30, 20]
     */
    public record LatentDistribution(NDArray mean, NDArray logvar) {

        /** {@code mean + exp(0.5 * logvar) * randn_tensor(mean.shape, generator)}. */
        public NDArray sample(Generator generator) {
            NDArray noise = RandomTensors.randnTensor(mean.getShape(), generator, DataType.FLOAT32,
                    mean.getManager());
            return mean.add(logvar.mul(0.5).exp().mul(noise));
        }

        /** The mode, which is the mean. */
        public NDArray mode() {
            return mean;
        }
    }

    private static void requireInput(NDArray input, int channels, String what) {
        Shape shape = input.getShape();
        if (shape.dimension() != 4 || shape.get(1) != channels || input.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("AutoencoderKL expects float32 " + what + " of shape (batch, "
                    + channels + ", height, width), but got " + input.getDataType() + " " + shape);
        }
    }

    @Override
    public String toString() {
        return "AutoencoderKL(" + config.blockOutChannels() + ", " + numParameters() + " parameters)";
    }
}
