package dev.reprodiff.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.RandomTensors;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

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

    /** diffusers' {@code AutoencoderKL} default {@code sample_size}, the tile size when the config has none. */
    private static final int DEFAULT_SAMPLE_SIZE = 32;
    /** {@code tile_overlap_factor}. */
    private static final double TILE_OVERLAP_FACTOR = 0.25;

    private static final Loader<AutoencoderKLConfig, AutoencoderKL> LOADER = new Loader<>(WEIGHTS_NAME,
            AutoencoderKLConfig::of, AutoencoderKL::new);

    private final Encoder encoder;
    private final Decoder decoder;
    private final Layers.Conv2d quantConv;
    private final Layers.Conv2d postQuantConv;
    private volatile boolean useSlicing;
    private volatile boolean useTiling;

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
        long batch = latents.getShape().get(0);
        if (useSlicing && batch > 1) {
            return concatenated(latents.split(batch, 0), this::decodeBatch);
        }
        return decodeBatch(latents);
    }

    /**
     * diffusers' {@code vae.encode(x).latent_dist}: the encoder, then {@code quant_conv}, split into the diagonal
     * Gaussian's mean and log-variance.
     *
     * @param images float32 (N, in_channels, H, W) in [-1, 1], H and W divisible by {@link AutoencoderKLConfig#scaleFactor()}
     */
    public LatentDistribution encode(NDArray images) {
        requireInput(images, config.inChannels(), "images");
        Shape shape = images.getShape();
        NDArray moments;
        if (useTiling && (shape.get(3) > tileSampleMinSize() || shape.get(2) > tileSampleMinSize())) {
            moments = tiled(images, tileSampleMinSize(), tileLatentMinSize(),
                    tile -> Scoped.keep(() -> quantConv.forward(encoder.forward(tile))));
        } else if (useSlicing && shape.get(0) > 1) {
            NDArray h = concatenated(images.split(shape.get(0), 0), image -> Scoped.keep(() -> encoder.forward(image)));
            moments = Scoped.keep(() -> quantConv.forward(h));
            h.close();
        } else {
            moments = Scoped.keep(() -> quantConv.forward(encoder.forward(images)));
        }
        NDList halves = moments.split(2, 1);
        // logvar = clamp(logvar, -30, 20), as DiagonalGaussianDistribution
        NDArray logvar = halves.get(1).clip(-30.0f, 20.0f);
        return new LatentDistribution(halves.get(0), logvar);
    }

    /**
     * diffusers' {@code enable_slicing}: {@link #decode} and {@link #encode} run the batch one image at a time, which
     * bounds their memory by one image's; the results are the same within float rounding (libtorch's convolutions
     * pick their kernels by batch size).
     */
    public void enableSlicing() {
        useSlicing = true;
    }

    /** diffusers' {@code disable_slicing}: the whole batch at once again. */
    public void disableSlicing() {
        useSlicing = false;
    }

    /**
     * diffusers' {@code enable_tiling}: latents wider or taller than {@code sample_size / scale factor} are decoded
     * in overlapping tiles of that size (images wider or taller than {@code sample_size} are encoded in tiles of
     * {@code sample_size}), a quarter of each tile blended linearly into its lower and right neighbours. Memory stays
     * that of one tile whatever the image size; the result differs from the untiled one where tiles meet, as
     * diffusers' does.
     */
    public void enableTiling() {
        useTiling = true;
    }

    /** diffusers' {@code disable_tiling}. */
    public void disableTiling() {
        useTiling = false;
    }

    /** {@code tile_sample_min_size}: the config's {@code sample_size} (the first one, given as a pair). */
    int tileSampleMinSize() {
        JsonNode size = config.sampleSize();
        if (size == null || size.isNull()) {
            return DEFAULT_SAMPLE_SIZE;
        }
        return size.isArray() ? size.get(0).asInt() : size.asInt();
    }

    /** {@code tile_latent_min_size}: {@code int(sample_size / 2^(len(block_out_channels) - 1))}. */
    int tileLatentMinSize() {
        return tileSampleMinSize() / config.scaleFactor();
    }

    /** {@code _decode}: tiled when tiling is on and the latents exceed one tile. */
    private NDArray decodeBatch(NDArray latents) {
        Shape shape = latents.getShape();
        if (useTiling && (shape.get(3) > tileLatentMinSize() || shape.get(2) > tileLatentMinSize())) {
            return tiled(latents, tileLatentMinSize(), tileSampleMinSize(),
                    tile -> Scoped.keep(() -> decoder.forward(postQuantConv.forward(tile))));
        }
        return Scoped.keep(() -> decoder.forward(postQuantConv.forward(latents)));
    }

    /** {@code torch.cat([f(part) for part in parts])}, the parts' results freed once joined. */
    private static NDArray concatenated(NDList parts, UnaryOperator<NDArray> f) {
        try (NDList results = new NDList()) {
            for (NDArray part : parts) {
                results.add(f.apply(part));
            }
            return NDArrays.concat(results, 0);
        }
    }

    /**
     * diffusers' {@code tiled_decode} and {@code tiled_encode}: {@code f} maps tiles of {@code tileIn} pixels, taken
     * every {@code 3/4 tileIn}, to tiles of {@code tileOut}; each is blended with its upper and left neighbour over
     * {@code tileOut / 4} rows and columns ({@code blend_v}, {@code blend_h}, in place as there), cropped to
     * {@code 3/4 tileOut} and joined.
     */
    private static NDArray tiled(NDArray input, int tileIn, int tileOut, UnaryOperator<NDArray> f) {
        int overlap = (int) (tileIn * (1 - TILE_OVERLAP_FACTOR));
        int blendExtent = (int) (tileOut * TILE_OVERLAP_FACTOR);
        int rowLimit = tileOut - blendExtent;
        long height = input.getShape().get(2);
        long width = input.getShape().get(3);
        List<List<NDArray>> rows = new ArrayList<>();
        for (long i = 0; i < height; i += overlap) {
            List<NDArray> row = new ArrayList<>();
            for (long j = 0; j < width; j += overlap) {
                NDArray tile = input.get(new NDIndex(":, :, {}:{}, {}:{}", i, Math.min(i + tileIn, height), j,
                        Math.min(j + tileIn, width)));
                row.add(f.apply(tile));
            }
            rows.add(row);
        }
        NDList resultRows = new NDList();
        for (int i = 0; i < rows.size(); i++) {
            List<NDArray> row = rows.get(i);
            NDList resultRow = new NDList();
            for (int j = 0; j < row.size(); j++) {
                NDArray tile = row.get(j);
                if (i > 0) {
                    blend(rows.get(i - 1).get(j), tile, blendExtent, 2);
                }
                if (j > 0) {
                    blend(row.get(j - 1), tile, blendExtent, 3);
                }
                resultRow.add(tile.get(new NDIndex(":, :, :{}, :{}", rowLimit, rowLimit)));
            }
            resultRows.add(NDArrays.concat(resultRow, 3));
        }
        return NDArrays.concat(resultRows, 2);
    }

    /**
     * {@code blend_v} (axis 2) and {@code blend_h} (axis 3): the first {@code extent} rows (columns) {@code y} of
     * {@code b} become {@code a[-extent + y] * (1 - y / extent) + b[y] * (y / extent)}, in place. The weights are
     * Python's double quotients rounded to float32, as torch rounds a Python float multiplying a float32 tensor; all
     * rows are computed at once, each with the same operations as diffusers' loop.
     */
    private static void blend(NDArray a, NDArray b, int blendExtent, int axis) {
        int extent = (int) Math.min(Math.min(a.getShape().get(axis), b.getShape().get(axis)), blendExtent);
        if (extent == 0) {
            return;
        }
        float[] keep = new float[extent];
        float[] take = new float[extent];
        for (int y = 0; y < extent; y++) {
            keep[y] = (float) (1 - y / (double) extent);
            take[y] = (float) (y / (double) extent);
        }
        Shape weights = axis == 2 ? new Shape(1, 1, extent, 1) : new Shape(1, 1, 1, extent);
        NDManager manager = b.getManager();
        long aLength = a.getShape().get(axis);
        String head = axis == 2 ? ":, :, :{}, :" : ":, :, :, :{}";
        String tail = axis == 2 ? ":, :, {}:, :" : ":, :, :, {}:";
        try (NDArray keepWeights = manager.create(keep, weights); NDArray takeWeights = manager.create(take, weights);
             NDArray fromA = a.get(new NDIndex(tail, aLength - extent)).mul(keepWeights);
             NDArray fromB = b.get(new NDIndex(head, extent)).mul(takeWeights);
             NDArray blended = fromA.add(fromB)) {
            b.set(new NDIndex(head, extent), blended);
        }
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
