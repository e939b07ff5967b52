package dev.reprodiff.pipelines;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ConfigException;
import dev.reprodiff.io.ModelIndex;
import dev.reprodiff.models.AutoencoderKL;
import dev.reprodiff.models.CLIPTextModel;
import dev.reprodiff.models.UNet2DConditionModel;
import dev.reprodiff.random.Noise;
import dev.reprodiff.schedulers.Scheduler;
import dev.reprodiff.schedulers.StepOptions;
import dev.reprodiff.text.CLIPTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * diffusers' {@code StableDiffusionPipeline} (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent
 * Diffusion Models"): text-to-image with a {@link CLIPTokenizer}, a {@link CLIPTextModel}, a
 * {@link UNet2DConditionModel} denoising in the latent space of an {@link AutoencoderKL}, and classifier-free guidance.
 *
 * <pre>{@code
 * try (StableDiffusionPipeline pipe = StableDiffusionPipeline.fromPretrained(Path.of("stable-diffusion-v1-5"))) {
 *     pipe.setScheduler(DDIMScheduler.fromConfig(pipe.scheduler().config()));
 *     try (ImagePipelineOutput out = pipe.call(StableDiffusionPipeline.options()
 *             .prompt("portrait photo of an old warrior chief").generator(Generator.seeded(0))
 *             .numInferenceSteps(50).outputType(OutputType.LATENT))) {
 *         NDArray latents = out.images();   // (1, 4, 64, 64)
 *     }
 * }
 * }</pre>
 *
 * <p>A call follows diffusers v0.28.0 step by step: {@code encode_prompt} (prompt embeddings, repeated per image;
 * with guidance the negative ones first), {@code prepare_latents} ({@code randn_tensor} on the CPU generator(s) or the
 * caller's latents, times {@code init_noise_sigma}), the denoising loop (each step in its own {@link NDScope};
 * {@code u + g (c - u)} with guidance), then {@code vae.decode(latents / scaling_factor)} and
 * {@code (x / 2 + 0.5).clamp(0, 1)}. The safety checker and feature extractor a folder may list are not loaded
 * (as diffusers with {@code safety_checker=None}). The pipeline owns its models, each on its own manager, and frees
 * them in {@link #close()}. Calls may run concurrently: each steps its own copy of the configured scheduler.
 */
public final class StableDiffusionPipeline extends DiffusionPipeline {

    private final CLIPTokenizer tokenizer;
    private final CLIPTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;

    /**
     * Builds a pipeline of loaded components and takes ownership of the models: {@link #close()} frees them.
     *
     * @throws ConfigException if the text encoder's hidden size is not the UNet's {@code cross_attention_dim}, or
     *         the UNet's input channels are not the VAE's latent channels
     */
    public StableDiffusionPipeline(CLIPTokenizer tokenizer, CLIPTextModel textEncoder, UNet2DConditionModel unet,
                                   AutoencoderKL vae, Scheduler scheduler) {
        this(tokenizer, textEncoder, unet, vae, scheduler, PyTorchEngine.newManager());
    }

    private StableDiffusionPipeline(CLIPTokenizer tokenizer, CLIPTextModel textEncoder, UNet2DConditionModel unet,
                                    AutoencoderKL vae, Scheduler scheduler, NDManager manager) {
        super(scheduler, manager, Objects.requireNonNull(textEncoder, "textEncoder"),
                Objects.requireNonNull(unet, "unet"), Objects.requireNonNull(vae, "vae"));
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        int hidden = textEncoder.config().hiddenSize();
        int crossDim = unet.config().crossAttentionDimension();
        if (hidden != crossDim) {
            throw new ConfigException("The text encoder's hidden_size " + hidden + " does not match the UNet's"
                    + " cross_attention_dim " + crossDim + ": the UNet attends to the text encoder's last hidden"
                    + " state, so both must come from the same Stable Diffusion model (SD 1.x: 768)");
        }
        if (unet.config().inChannels() != vae.config().latentChannels()) {
            throw new ConfigException("The UNet's in_channels " + unet.config().inChannels() + " do not match the"
                    + " VAE's latent_channels " + vae.config().latentChannels());
        }
    }

    /**
     * Loads a Stable Diffusion folder as {@code save_pretrained} writes it ({@code runwayml/stable-diffusion-v1-5}
     * layout): {@code tokenizer/}, {@code text_encoder/}, {@code unet/}, {@code vae/} and {@code scheduler/}.
     *
     * @throws ConfigException if a component is missing or of a class reprodiff does not implement, a file is
     *         missing (the tokenizer's vocab.json, say), or the components do not fit together
     * @throws dev.reprodiff.models.WeightsException if a model's weights do not fit its config
     */
    public static StableDiffusionPipeline fromPretrained(Path folder) {
        return fromPretrained(folder, Components.defaultDevice());
    }

    /** As {@link #fromPretrained(Path)}, with the models on {@code device}; noise is still drawn on the CPU. */
    public static StableDiffusionPipeline fromPretrained(Path folder, Device device) {
        return load(ModelIndex.read(folder), device);
    }

    static StableDiffusionPipeline load(ModelIndex index, Device device) {
        Components.require(index, "tokenizer", "CLIPTokenizer");
        Components.require(index, "text_encoder", "CLIPTextModel");
        Components.require(index, "unet", "UNet2DConditionModel");
        Components.require(index, "vae", "AutoencoderKL");
        Path folder = index.folder();
        Scheduler scheduler = Components.scheduler(index);
        CLIPTokenizer tokenizer = CLIPTokenizer.fromPretrained(folder.resolve("tokenizer"));
        return Components.onNewManager(device, manager -> new StableDiffusionPipeline(tokenizer,
                CLIPTextModel.fromPretrained(folder.resolve("text_encoder"), manager),
                UNet2DConditionModel.fromPretrained(folder.resolve("unet"), manager),
                AutoencoderKL.fromPretrained(folder.resolve("vae"), manager), scheduler, manager));
    }

    /** diffusers' defaults for {@code StableDiffusionPipeline.__call__}: guidance 7.5, 50 steps, PIL output. */
    public static StableDiffusionOptions options() {
        return StableDiffusionOptions.defaults();
    }

    public CLIPTokenizer tokenizer() {
        return tokenizer;
    }

    public CLIPTextModel textEncoder() {
        return textEncoder;
    }

    /** The text-conditioned UNet (diffusers' {@code pipe.unet}). */
    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    /** {@code 2^(len(vae.block_out_channels) - 1)}: pixels per latent along each axis (8 for SD 1.x). */
    public int vaeScaleFactor() {
        return vae.config().scaleFactor();
    }

    @Override
    public StableDiffusionPipeline setScheduler(Scheduler newScheduler) {
        super.setScheduler(newScheduler);
        return this;
    }

    /** diffusers' {@code enable_attention_slicing()}: {@link #enableAttentionSlicing(String)} with {@code "auto"}. */
    public StableDiffusionPipeline enableAttentionSlicing() {
        return enableAttentionSlicing("auto");
    }

    /**
     * diffusers' {@code enable_attention_slicing(slice_size)}: the UNet's attention layers compute their scores a
     * slice of the (batch * heads) axis at a time (see {@link UNet2DConditionModel#setAttentionSlice(String)}), so
     * that a step's largest arrays shrink with the slice; the images are the same within float rounding.
     *
     * @param sliceSize {@code "auto"} (half the heads at a time), {@code "max"} (one at a time) or a number of rows
     * @return this pipeline
     */
    public StableDiffusionPipeline enableAttentionSlicing(String sliceSize) {
        unet.setAttentionSlice(sliceSize);
        return this;
    }

    /** {@link #enableAttentionSlicing(String)} with a number of rows per slice. */
    public StableDiffusionPipeline enableAttentionSlicing(int sliceSize) {
        unet.setAttentionSlice(sliceSize);
        return this;
    }

    /** diffusers' {@code disable_attention_slicing()}: attention over all rows at once again. */
    public StableDiffusionPipeline disableAttentionSlicing() {
        unet.setAttentionSlice(0);
        return this;
    }

    /** diffusers' {@code enable_vae_slicing()}: the VAE decodes one image at a time (see {@link AutoencoderKL}). */
    public StableDiffusionPipeline enableVaeSlicing() {
        vae.enableSlicing();
        return this;
    }

    /** diffusers' {@code disable_vae_slicing()}. */
    public StableDiffusionPipeline disableVaeSlicing() {
        vae.disableSlicing();
        return this;
    }

    /** diffusers' {@code enable_vae_tiling()}: the VAE decodes large images in blended tiles (see AutoencoderKL). */
    public StableDiffusionPipeline enableVaeTiling() {
        vae.enableTiling();
        return this;
    }

    /** diffusers' {@code disable_vae_tiling()}. */
    public StableDiffusionPipeline disableVaeTiling() {
        vae.disableTiling();
        return this;
    }

    /**
     * Generates images from text, as diffusers' {@code StableDiffusionPipeline.__call__}.
     *
     * @throws IllegalArgumentException for no prompt, a height or width that is not a multiple of 8, a negative
     *         prompt list or generator list whose length does not match, or latents of the wrong shape
     * @throws NonFiniteLatentsException if a step produces NaN or infinite values
     */
    @SuppressWarnings("try")
    public ImagePipelineOutput call(StableDiffusionOptions options) {
        // 1. check inputs
        int height = options.height() != null ? options.height() : unet.config().sampleHeight() * vaeScaleFactor();
        int width = options.width() != null ? options.width() : unet.config().sampleWidth() * vaeScaleFactor();
        int steps = options.numInferenceSteps() != null ? options.numInferenceSteps()
                : StableDiffusionOptions.DEFAULT_NUM_INFERENCE_STEPS;
        List<String> prompts = validate(options, height, width);
        int images = prompts.size() * options.numImagesPerPrompt();
        Shape shape = new Shape(images, unet.config().inChannels(), height / vaeScaleFactor(),
                width / vaeScaleFactor());
        if (options.latents() != null && !options.latents().getShape().equals(shape)) {
            throw new IllegalArgumentException("Unexpected latents shape " + options.latents().getShape()
                    + ", expected " + shape + " for " + images + " images of " + height + "x" + width);
        }
        Noise.Seeded noise = options.noise().forBatch(shape);    // decided once: the latents and every step share it
        StepOptions stepOptions = StepOptions.defaults().withNoise(noise).withEta(options.eta());
        boolean guidance = options.doClassifierFreeGuidance();
        NDManager results = resultsManager(options.manager());
        try (NDManager work = manager().newSubManager()) {
            // 2. encode the prompts (negative first with guidance)
            NDArray promptEmbeds = encodePrompt(prompts, options.numImagesPerPrompt(), guidance,
                    options.negativePrompts(), work);
            // 3. timesteps, on this call's own run of the scheduler
            Scheduler scheduler = startRun(steps);
            double[] timesteps = scheduler.timesteps();
            // 4. latents
            NDArray latents = prepareLatents(shape, options, noise, scheduler.initNoiseSigma(), work);
            if (options.callback() != null) {
                options.callback().onStart(timesteps.clone());
            }
            // 5. denoising loop
            for (int i = 0; i < timesteps.length; i++) {
                double t = timesteps[i];
                try (NDScope step = new NDScope()) {
                    NDScope.register(latents);                                // x_t dies with this step
                    NDArray modelInput = guidance ? NDArrays.concat(new NDList(latents, latents)) : latents;
                    modelInput = scheduler.scaleModelInput(modelInput, t);
                    NDArray noisePred = unet.forward(modelInput, t, promptEmbeds);   // 1. ε_θ(x_t, t, c)
                    if (guidance) {                                           // 2. ε = ε_u + g (ε_c - ε_u)
                        NDList halves = noisePred.split(2, 0);
                        NDArray uncond = halves.get(0);
                        noisePred = uncond.add(halves.get(1).sub(uncond).mul(options.guidanceScale()));
                    }
                    latents = scheduler.step(noisePred, t, latents, stepOptions).prevSample(); // 3. x_t -> x_t-1
                    requireFinite(latents, i, timesteps);
                    NDScope.unregister(latents);                              // only x_t-1 survives
                }
                if (options.callback() != null) {
                    options.callback().onStep(i, t, latents);
                }
            }
            // 6. decode
            latents.attach(results);
            if (options.outputType() == OutputType.LATENT) {
                return new ImagePipelineOutput(OutputType.LATENT, latents, null, latents, results, noise.seeds());
            }
            NDArray decoded = decode(latents);
            return imagesOutput(options.outputType(), decoded, latents, results, noise);
        } catch (RuntimeException | Error e) {
            results.close();
            throw e;
        }
    }

    /** {@code vae.decode(latents / scaling_factor)}, then {@code (x / 2 + 0.5).clamp(0, 1)} as NHWC. */
    @SuppressWarnings("try")
    private NDArray decode(NDArray latents) {
        NDArray images;
        try (NDScope scope = new NDScope()) {
            NDArray decoded = vae.decode(latents.div(vae.scalingFactor()));
            if (!allFinite(decoded)) {
                throw NonFiniteLatentsException.afterDecoding(getClass().getSimpleName(), decoded);
            }
            images = postprocess(decoded);
            NDScope.unregister(images);
        }
        return images;
    }

    /** diffusers' {@code prepare_latents}: the caller's latents (a copy) or drawn ones, times {@code sigma}. */
    private NDArray prepareLatents(Shape shape, StableDiffusionOptions options, Noise.Seeded noise, double sigma,
                                   NDManager work) {
        NDArray latents;
        if (options.latents() != null) {
            latents = options.latents().toDevice(work.getDevice(), false).toType(DataType.FLOAT32, true);
            latents.attach(work);                                          // a copy: the caller keeps theirs
        } else {
            latents = noise.randn(shape, DataType.FLOAT32, work);
        }
        if (sigma != 1.0) {
            NDArray scaled = latents.mul((float) sigma);   // torch multiplies by the float32 sigma
            latents.close();
            latents = scaled;
        }
        return latents;
    }

    /**
     * diffusers' {@code encode_prompt}: the text encoder's last hidden state for each prompt, repeated for each of
     * its images (prompt 0 image 0, prompt 0 image 1, ...); with guidance, the same for the negative prompts
     * ({@code ""} when {@code negativePrompts} is {@code null}) concatenated before them.
     *
     * @return float32 (2N or N, model_max_length, hidden_size) on {@code manager}, N = prompts x images per prompt
     */
    @SuppressWarnings("try")
    public NDArray encodePrompt(List<String> prompts, int numImagesPerPrompt, boolean doClassifierFreeGuidance,
                                List<String> negativePrompts, NDManager manager) {
        NDArray embeds;
        try (NDScope scope = new NDScope()) {
            embeds = repeatPerImage(textEncoder.forward(tokenizer.encode(prompts, manager)), numImagesPerPrompt);
            if (doClassifierFreeGuidance) {
                List<String> negative = negativePrompts(prompts.size(), negativePrompts);
                NDArray uncond = repeatPerImage(textEncoder.forward(tokenizer.encode(negative, manager)),
                        numImagesPerPrompt);
                embeds = NDArrays.concat(new NDList(uncond, embeds));
            }
            NDScope.unregister(embeds);
        }
        return embeds;
    }

    /** {@code embeds.repeat(1, n, 1).view(B * n, L, D)}: each prompt's row n times in a row. */
    private static NDArray repeatPerImage(NDArray embeds, int n) {
        if (n == 1) {
            return embeds;
        }
        Shape shape = embeds.getShape();
        return embeds.expandDims(1).repeat(1, n).reshape(shape.get(0) * n, shape.get(1), shape.get(2));
    }

    private static List<String> negativePrompts(int batch, List<String> negativePrompts) {
        if (negativePrompts == null) {
            return Collections.nCopies(batch, "");
        }
        if (negativePrompts.size() == 1) {
            return Collections.nCopies(batch, negativePrompts.get(0));
        }
        return negativePrompts;
    }

    private static List<String> validate(StableDiffusionOptions options, int height, int width) {
        List<String> prompts = options.prompts();
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("StableDiffusionPipeline needs at least one prompt: options().prompt("
                    + "\"...\") or .prompts(List.of(...))");
        }
        List<String> checked = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            checked.add(Objects.requireNonNull(prompt, "prompts contains null"));
        }
        if (height % 8 != 0 || width % 8 != 0) {
            throw new IllegalArgumentException("`height` and `width` have to be divisible by 8 but are " + height
                    + " and " + width + ".");
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("`height` and `width` must be positive, but are " + height + " and "
                    + width);
        }
        List<String> negative = options.negativePrompts();
        if (negative != null && negative.size() != 1 && negative.size() != prompts.size()) {
            throw new IllegalArgumentException("`negative_prompt` has " + negative.size() + " prompts, but `prompt`"
                    + " has " + prompts.size() + ". Please make sure that passed `negative_prompt` matches the batch"
                    + " size of `prompt` (or pass one negative prompt for all).");
        }
        return checked;
    }

}
