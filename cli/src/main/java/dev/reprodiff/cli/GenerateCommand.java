package dev.reprodiff.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.models.UNet2DConfig;
import dev.reprodiff.pipelines.DefaultModel;
import dev.reprodiff.pipelines.DiffusionPipeline;
import dev.reprodiff.pipelines.ImagePipelineOptions;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.Images;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.pipelines.Pipelines;
import dev.reprodiff.pipelines.Schedulers;
import dev.reprodiff.pipelines.StableDiffusionOptions;
import dev.reprodiff.pipelines.StableDiffusionPipeline;
import dev.reprodiff.pipelines.StepCallback;
import dev.reprodiff.pipelines.UnconditionalPipeline;
import dev.reprodiff.random.Noise;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code reprodiff generate}: unconditional image generation from a diffusers model folder, reproducibly. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generates images with a diffusers model folder (DDPMPipeline, DDIMPipeline or"
                + " StableDiffusionPipeline layout), or with the embedded default model when --model is not given.",
                "One seed: one generator for the whole batch. Several seeds: one generator per image."})
final class GenerateCommand implements Callable<Integer>, CliErrors.Sized {

    /** How much larger each image is in a PNG grid, and the gray gap between images (pixels of the grid). */
    static final int PNG_SCALE = 4;
    static final int PNG_GAP = 4;

    /** The --scheduler names and the diffusers classes (and settings) they stand for. */
    enum SchedulerName {
        ddpm("DDPMScheduler", Map.of()),
        ddim("DDIMScheduler", Map.of()),
        pndm("PNDMScheduler", Map.of()),
        euler("EulerDiscreteScheduler", Map.of()),
        euler_ancestral("EulerAncestralDiscreteScheduler", Map.of()),
        dpmsolver_pp("DPMSolverMultistepScheduler", Map.of("algorithm_type", "dpmsolver++")),
        sde_dpmsolver_pp("DPMSolverMultistepScheduler", Map.of("algorithm_type", "sde-dpmsolver++"));

        final String className;
        final Map<String, Object> settings;

        SchedulerName(String className, Map<String, Object> settings) {
            this.className = className;
            this.settings = settings;
        }

        String cliName() {
            return name().replace("_pp", "++").replace('_', '-');
        }

        static SchedulerName parse(String text) {
            for (SchedulerName name : values()) {
                if (name.cliName().equals(text)) {
                    return name;
                }
            }
            throw new IllegalArgumentException("Unknown --scheduler " + text + "; supported: "
                    + Arrays.stream(values()).map(SchedulerName::cliName).collect(Collectors.joining(", ")));
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "A diffusers model folder (holding model_index.json). Default: the embedded model.")
    Path model;

    @Option(names = "--scheduler", paramLabel = "NAME",
            description = "ddpm, ddim, pndm, euler, euler-ancestral, dpmsolver++ or sde-dpmsolver++."
                    + " Default: the model's own.")
    String scheduler;

    @Option(names = "--steps", paramLabel = "N",
            description = "Denoising steps. Default: the pipeline's (DDIMPipeline, as the embedded default model: 50;"
                    + " DDPMPipeline: 1000).")
    Integer steps;

    @Option(names = "--eta", defaultValue = "0", paramLabel = "X", description = "DDIM's eta. Default: 0.")
    double eta;

    @Option(names = "--seed", paramLabel = "S[,S...]",
            description = "Seed, or comma-separated seeds (one generator per image). Default: a fresh seed, printed."
                    + " Seeds are 64-bit, as printed (up to 18446744073709551615).")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--batch", paramLabel = "N", description = "Images to generate. Default: one per seed.")
    Integer batch;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "Stable Diffusion: a prompt; repeat for several (one image each, times --num-images-per-prompt).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--negative-prompt", paramLabel = "TEXT",
            description = "Stable Diffusion: the negative prompt (one for all prompts, or one per prompt).")
    List<String> negativePrompts = new ArrayList<>();

    @Option(names = "--guidance", paramLabel = "X",
            description = "Stable Diffusion: classifier-free guidance scale (default 7.5; 1 or less: none).")
    Double guidance;

    @Option(names = "--num-images-per-prompt", paramLabel = "N", description = "Stable Diffusion: images per prompt.")
    Integer numImagesPerPrompt;

    @Option(names = "--height", paramLabel = "H", description = "Stable Diffusion: image height, a multiple of 8.")
    Integer height;

    @Option(names = "--width", paramLabel = "W", description = "Stable Diffusion: image width, a multiple of 8.")
    Integer width;

    @Option(names = "--trajectory", description = "Also write the sample after every step (.safetensors only).")
    boolean trajectory;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "FILE.safetensors (images, latents[, trajectory]) or FILE.png (the image grid).")
    Path out;

    /** What this run has asked for so far, for an out-of-memory message. */
    private String asked = "the model";

    @Override
    public Integer call() throws Exception {
        OutputFile.check(out, List.of(".safetensors", ".png"));
        if (trajectory && out.toString().endsWith(".png")) {
            throw new IllegalArgumentException("--trajectory needs a .safetensors --out; a .png holds images only");
        }
        SchedulerName schedulerName = scheduler == null ? null : SchedulerName.parse(scheduler);
        Noise noise = SeedOptions.noise(seeds);
        PrintWriter stdout = spec.commandLine().getOut();
        NDList steps = new NDList();
        Progress progress = new Progress(spec.commandLine().getErr(), System.console() != null);
        try (NDManager manager = PyTorchEngine.newManager()) {
            StepCallback callback = new StepCallback() {
                private int total;

                @Override
                public void onStart(double[] timesteps) {
                    total = timesteps.length;
                }

                @Override
                public void onStep(int index, double t, NDArray latents) {
                    if (trajectory) {
                        NDArray copy = latents.duplicate();
                        copy.attach(manager);
                        steps.add(copy);
                    }
                    progress.step(index, total, t);
                }
            };
            // Both kinds of options are built (and so checked) before the model loads, which can take a while.
            ImagePipelineOptions imageOptions = imageOptions(noise, manager, callback);
            StableDiffusionOptions textOptions = textOptions(noise, manager, callback);
            try (DefaultModel.Folder folder = model == null ? DefaultModel.extract() : DefaultModel.Folder.of(model);
                 DiffusionPipeline pipeline = Pipelines.fromPretrained(folder.path())) {
                if (schedulerName != null) {
                    ConfigFile config = pipeline.scheduler().config().with(schedulerName.settings);
                    pipeline.setScheduler(Schedulers.create(schedulerName.className, config));
                }
                stdout.printf(Locale.ROOT, "model %s: %s with %s%n", model == null ? "(embedded default)" : model,
                        pipeline.getClass().getSimpleName(), pipeline.scheduler().getClass().getSimpleName());
                long start = System.nanoTime();
                try (ImagePipelineOutput output = generate(pipeline, imageOptions, textOptions)) {
                    double seconds = (System.nanoTime() - start) / 1e9;
                    progress.done();
                    NDArray images = output.images();
                    long batch = images.getShape().get(0);
                    String seedsText = SeedOptions.describe(output.seeds());
                    boolean perImage = noise instanceof Noise.PerImage;
                    stdout.printf("seed%s %s (%s)%n", output.seeds().size() == 1 ? "" : "s", seedsText,
                            perImage ? "one generator per image" : "one generator for the batch of " + batch);
                    double sum = images.abs().sum().toType(DataType.FLOAT64, false).getDouble();
                    write(images, output.latents(), steps, seedsText, perImage ? "one per image"
                            : "one for the batch", pipeline.scheduler().getClass().getSimpleName(), progress.count);
                    stdout.printf(Locale.ROOT, "%d steps in %.3f s (%.1f ms per step)%n", progress.count, seconds,
                            1000 * seconds / Math.max(1, progress.count));
                    stdout.printf(Locale.ROOT, "sum(|images|) = %.4f%n", sum);
                    stdout.printf("wrote %s%n", out);
                }
            }
        } catch (OutOfMemoryError e) {
            throw new CliErrors.OutOfMemory(e);
        }
        return 0;
    }

    /**
     * The call that fits the loaded pipeline. Java 17 has no switch over a sealed type; these two branches cover
     * every pipeline the sealed base permits.
     */
    private ImagePipelineOutput generate(DiffusionPipeline pipeline, ImagePipelineOptions imageOptions,
                                         StableDiffusionOptions textOptions) {
        if (pipeline instanceof StableDiffusionPipeline sd) {
            requireTextArguments();
            asked = "a batch of " + textOptions.prompts().size() * (long) textOptions.numImagesPerPrompt()
                    + " images" + (height != null || width != null ? " of " + height + "x" + width + " (height x width)"
                    : "") + " and the models' activations for them";
            return sd.call(textOptions);
        }
        if (pipeline instanceof UnconditionalPipeline unconditional) {
            requireNoTextOptions();
            UNet2DConfig config = unconditional.unet().config();
            asked = "a batch of " + imageOptions.batchSize() + " images of " + config.sampleHeight() + "x"
                    + config.sampleWidth() + " and the model's activations for them";
            return unconditional.call(imageOptions);
        }
        throw new IllegalStateException("Unknown pipeline " + pipeline.getClass().getName());
    }

    @Override
    public String sizeAsked() {
        return asked;
    }

    /** Unknown: the model's activations, which depend on its architecture, dominate. */
    @Override
    public long bytesAsked() {
        return -1;
    }

    private void requireNoTextOptions() {
        if (!prompts.isEmpty() || !negativePrompts.isEmpty() || guidance != null || numImagesPerPrompt != null
                || height != null || width != null) {
            throw new IllegalArgumentException("--prompt, --negative-prompt, --guidance, --num-images-per-prompt,"
                    + " --height and --width need a Stable Diffusion model; this one generates unconditionally");
        }
    }

    private ImagePipelineOptions imageOptions(Noise noise, NDManager manager, StepCallback callback) {
        ImagePipelineOptions options = ImagePipelineOptions.defaults().batchSize(batchSize(noise)).eta(eta)
                .noise(noise).outputType(OutputType.NP).manager(manager).callback(callback);
        return steps == null ? options : options.numInferenceSteps(steps);
    }

    private StableDiffusionOptions textOptions(Noise noise, NDManager manager, StepCallback callback) {
        StableDiffusionOptions options = StableDiffusionPipeline.options().prompts(prompts).eta(eta)
                .numImagesPerPrompt(numImagesPerPrompt == null ? 1 : numImagesPerPrompt)
                .outputType(OutputType.NP).manager(manager).callback(callback).noise(noise);
        if (!negativePrompts.isEmpty()) {
            options = options.negativePrompts(negativePrompts);
        }
        if (guidance != null) {
            options = options.guidanceScale(guidance);
        }
        if (height != null) {
            options = options.height(height);
        }
        if (width != null) {
            options = options.width(width);
        }
        if (steps != null) {
            options = options.numInferenceSteps(steps);
        }
        return options;
    }

    private void requireTextArguments() {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("A Stable Diffusion model needs at least one --prompt");
        }
        if (batch != null) {
            throw new IllegalArgumentException("--batch is for unconditional models; with prompts, the batch is"
                    + " prompts x --num-images-per-prompt");
        }
    }

    private void write(NDArray images, NDArray latents, NDList steps, String seedsText, String generators,
                       String schedulerClass, int stepCount) throws IOException {
        if (out.toString().endsWith(".png")) {
            // A grid to look at: each image PNG_SCALE times larger, PNG_GAP pixels of gray between them, and what
            // made it in the PNG's text chunks (seeds, scheduler, steps, model), which image viewers show.
            List<BufferedImage> pil = Images.numpyToPil(images);
            int rows = gridRows(pil.size());
            BufferedImage grid = Images.viewingGrid(pil, rows, pil.size() / rows, PNG_SCALE, PNG_GAP);
            Map<String, String> text = new LinkedHashMap<>();
            text.put("Software", "reprodiff generate");
            text.put("model", model == null ? "embedded default" : model.toString());
            text.put("scheduler", schedulerClass);
            text.put("steps", Integer.toString(stepCount));
            text.put("seeds", seedsText);
            text.put("generators", generators);
            text.put("grid", rows + " x " + pil.size() / rows + " images, each scaled " + PNG_SCALE + "x");
            Images.writePng(grid, out, text);
            return;
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("images", images);
        tensors.put("latents", latents);
        if (trajectory) {
            tensors.put("trajectory", NDArrays.stack(steps));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("model", model == null ? "embedded default" : model.toString());
        metadata.put("seeds", seedsText);
        metadata.put("generators", generators);
        metadata.put("producer", "reprodiff generate");
        SafeTensors.save(out, tensors, metadata);
    }

    /** The largest divisor of n that is at most sqrt(n): a grid as square as n allows. */
    static int gridRows(int n) {
        int rows = 1;
        for (int r = 1; (long) r * r <= n; r++) {
            if (n % r == 0) {
                rows = r;
            }
        }
        return rows;
    }


    /** --batch, or one image per seed when several seeds give one generator per image. */
    private int batchSize(Noise noise) {
        if (!(noise instanceof Noise.PerImage perImage)) {
            return batch == null ? 1 : batch;
        }
        int images = perImage.generators().size();
        if (batch != null && batch != images) {
            throw new IllegalArgumentException(images + " seeds give one generator per image, so the batch is "
                    + images + ", but --batch is " + batch + ". Drop --batch, or pass one seed for the whole batch.");
        }
        return images;
    }

    /** A one-line progress bar on a terminal, with steps/s and the time left; silent otherwise. */
    private static final class Progress {
        private static final int WIDTH = 30;
        private final PrintWriter err;
        private final boolean terminal;
        private long started;
        int count;

        Progress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        void step(int index, int total, double timestep) {
            long now = System.nanoTime();
            if (index == 0) {
                started = now;
            }
            count = index + 1;
            if (terminal) {
                int filled = total == 0 ? WIDTH : WIDTH * count / total;
                double seconds = (now - started) / 1e9;
                // the first step's callback comes after the step: rates from the second on
                String rate = index == 0 || seconds <= 0 ? "" : String.format(Locale.ROOT, " %.1f steps/s ETA %s",
                        index / seconds, eta((total - count) * seconds / index));
                err.printf(Locale.ROOT, "\r[%s%s] %d/%d t=%s%s ", "#".repeat(filled), " ".repeat(WIDTH - filled),
                        count, total, timestep == Math.rint(timestep) ? Long.toString((long) timestep)
                                : String.format(Locale.ROOT, "%.2f", timestep), rate);
                err.flush();
            }
        }

        static String eta(double seconds) {
            long s = Math.round(seconds);
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }

        void done() {
            if (terminal) {
                err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
                err.flush();
            }
        }
    }
}
