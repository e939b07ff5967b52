package dev.reprodiff.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.pipelines.DefaultModel;
import dev.reprodiff.pipelines.DiffusionPipeline;
import dev.reprodiff.pipelines.ImagePipelineOptions;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.Images;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.pipelines.Schedulers;
import dev.reprodiff.pipelines.StableDiffusionOptions;
import dev.reprodiff.pipelines.StableDiffusionPipeline;
import dev.reprodiff.pipelines.StepCallback;
import dev.reprodiff.random.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
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
final class GenerateCommand implements Callable<Integer> {

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
                    + java.util.Arrays.stream(values()).map(SchedulerName::cliName).collect(Collectors.joining(", ")));
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

    @Option(names = "--steps", paramLabel = "N", description = "Denoising steps. Default: the pipeline's.")
    Integer steps;

    @Option(names = "--eta", defaultValue = "0", paramLabel = "X", description = "DDIM's eta. Default: 0.")
    double eta;

    @Option(names = "--seed", split = ",", paramLabel = "S",
            description = "Seed, or comma-separated seeds (one generator per image). Default: a fresh seed, printed.")
    List<Long> seeds = new ArrayList<>();

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

    @Override
    public Integer call() throws Exception {
        boolean png = out.toString().endsWith(".png");
        if (!png && !out.toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException("--out must end in .safetensors or .png, but is " + out);
        }
        if (trajectory && png) {
            throw new IllegalArgumentException("--trajectory needs a .safetensors --out; a .png holds images only");
        }
        List<Generator> generators = SeedOptions.generators(seeds);
        PrintWriter stdout = spec.commandLine().getOut();
        try (DefaultModel.Folder folder = model == null ? DefaultModel.extract() : DefaultModel.Folder.of(model);
             DiffusionPipeline pipeline = DiffusionPipeline.fromPretrained(folder.path());
             NDManager manager = PyTorchEngine.newManager()) {
            boolean stableDiffusion = pipeline instanceof StableDiffusionPipeline;
            int batchSize = stableDiffusion ? textBatchSize(generators) : batchSize(generators);
            if (scheduler != null) {
                SchedulerName name = SchedulerName.parse(scheduler);
                ConfigFile config = pipeline.scheduler().config().with(name.settings);
                pipeline.setScheduler(Schedulers.create(name.className, config));
            }
            stdout.printf(Locale.ROOT, "model %s: %s with %s%n", model == null ? "(embedded default)" : model,
                    pipeline.getClass().getSimpleName(), pipeline.scheduler().getClass().getSimpleName());
            stdout.printf("seed%s %s (%s)%n", generators.size() == 1 ? "" : "s", SeedOptions.describe(generators),
                    generators.size() == 1 ? "one generator for the batch of " + batchSize : "one generator per image");
            NDList steps = new NDList();
            Progress progress = new Progress(spec.commandLine().getErr(), System.console() != null);
            StepCallback callback = (index, t, latents) -> {
                if (trajectory) {
                    NDArray copy = latents.duplicate();
                    copy.attach(manager);
                    steps.add(copy);
                }
                progress.step(index, pipeline.scheduler().timesteps().length, t);
            };
            long start = System.nanoTime();
            try (ImagePipelineOutput output = stableDiffusion
                    ? ((StableDiffusionPipeline) pipeline).call(textOptions(generators, manager, callback))
                    : pipeline.call(imageOptions(generators, batchSize, manager, callback))) {
                double seconds = (System.nanoTime() - start) / 1e9;
                progress.done();
                NDArray images = output.images();
                double sum = images.abs().sum().toType(DataType.FLOAT64, false).getDouble();
                write(images, output.latents(), steps, generators);
                stdout.printf(Locale.ROOT, "%d steps in %.3f s (%.1f ms per step)%n", progress.count, seconds,
                        1000 * seconds / Math.max(1, progress.count));
                stdout.printf(Locale.ROOT, "sum(|images|) = %.4f%n", sum);
                stdout.printf("wrote %s%n", out);
            }
        }
        return 0;
    }

    private ImagePipelineOptions imageOptions(List<Generator> generators, int batchSize, NDManager manager,
                                              StepCallback callback) {
        if (!prompts.isEmpty() || !negativePrompts.isEmpty() || guidance != null || numImagesPerPrompt != null
                || height != null || width != null) {
            throw new IllegalArgumentException("--prompt, --negative-prompt, --guidance, --num-images-per-prompt,"
                    + " --height and --width need a Stable Diffusion model; this one generates unconditionally");
        }
        ImagePipelineOptions options = ImagePipelineOptions.defaults().batchSize(batchSize).eta(eta)
                .outputType(OutputType.NP).manager(manager).callback(callback);
        options = generators.size() == 1 ? options.generator(generators.get(0)) : options.generators(generators);
        return steps == null ? options : options.numInferenceSteps(steps);
    }

    private StableDiffusionOptions textOptions(List<Generator> generators, NDManager manager, StepCallback callback) {
        StableDiffusionOptions options = StableDiffusionPipeline.options().prompts(prompts).eta(eta)
                .numImagesPerPrompt(numImagesPerPrompt == null ? 1 : numImagesPerPrompt)
                .outputType(OutputType.NP).manager(manager).callback(callback);
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
        return generators.size() == 1 ? options.generator(generators.get(0)) : options.generators(generators);
    }

    private int textBatchSize(List<Generator> generators) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("A Stable Diffusion model needs at least one --prompt");
        }
        if (batch != null) {
            throw new IllegalArgumentException("--batch is for unconditional models; with prompts, the batch is"
                    + " prompts x --num-images-per-prompt");
        }
        return prompts.size() * (numImagesPerPrompt == null ? 1 : numImagesPerPrompt);
    }


    private void write(NDArray images, NDArray latents, NDList steps, List<Generator> generators)
            throws IOException {
        if (out.toString().endsWith(".png")) {
            List<BufferedImage> pil = Images.numpyToPil(images);
            int rows = gridRows(pil.size());
            BufferedImage grid = Images.makeImageGrid(pil, rows, pil.size() / rows);
            Path temp = Files.createTempFile(out.toAbsolutePath().getParent(), ".generate", ".png");
            try {
                ImageIO.write(grid, "png", temp.toFile());
                Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
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
        metadata.put("seeds", SeedOptions.describe(generators));
        metadata.put("generators", generators.size() == 1 ? "one for the batch" : "one per image");
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


    private int batchSize(List<Generator> generators) {
        if (generators.size() == 1) {
            return batch == null ? 1 : batch;
        }
        if (batch != null && batch != generators.size()) {
            throw new IllegalArgumentException(generators.size() + " seeds give one generator per image, so the batch"
                    + " is " + generators.size() + ", but --batch is " + batch + ". Drop --batch, or pass one seed"
                    + " for the whole batch.");
        }
        return generators.size();
    }


    /** A one-line progress bar on a terminal; silent otherwise. */
    private static final class Progress {
        private static final int WIDTH = 30;
        private final PrintWriter err;
        private final boolean terminal;
        int count;

        Progress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        void step(int index, int total, double timestep) {
            count = index + 1;
            if (terminal) {
                int filled = total == 0 ? WIDTH : WIDTH * count / total;
                err.printf(Locale.ROOT, "\r[%s%s] %d/%d t=%s ", "#".repeat(filled), " ".repeat(WIDTH - filled),
                        count, total, timestep == Math.rint(timestep) ? Long.toString((long) timestep)
                                : String.format(Locale.ROOT, "%.2f", timestep));
                err.flush();
            }
        }

        void done() {
            if (terminal) {
                err.print("\r" + " ".repeat(WIDTH + 30) + "\r");
                err.flush();
            }
        }
    }
}
