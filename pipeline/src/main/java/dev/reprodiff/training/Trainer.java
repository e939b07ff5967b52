package dev.reprodiff.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.io.SafeTensors;
import dev.reprodiff.models.UNet2DConfig;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Generator;
import dev.reprodiff.random.GeneratorState;
import dev.reprodiff.schedulers.DDIMScheduler;
import dev.reprodiff.schedulers.DDIMSchedulerConfig;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Trains a diffusers {@code UNet2DModel} as DDPM does (Ho et al. 2020): epsilon prediction with a mean squared error,
 * linear betas from 1e-4 to 0.02 over 1000 training timesteps, on the project's own model code and DJL's autograd,
 * with AdamW, linear warmup and cosine decay, and global gradient-norm clipping.
 *
 * <p>One {@link Generator} seeded with the options' seed draws everything random, in a fixed order: the initial
 * weights, then for each step the batch's image indices (uniformly, with replacement, so that a step's draws do not
 * depend on an epoch's permutation), one timestep per image and the noise. The same images, options and seed on the
 * same platform give the same weights, bit for bit; a run resumed from a checkpoint gives the weights of a run that
 * was never interrupted, since a checkpoint holds the weights, the optimizer's moments, the step and the generator's
 * state.
 *
 * <p>The output folder gets {@code loss.csv} (one row per step), {@code checkpoints/checkpoint-NNNNNNNN.safetensors}
 * every {@code checkpointEvery} steps and at the last step (each written atomically: a reader sees a whole file or
 * none), and at the end a diffusers model folder that {@code DDIMPipeline.from_pretrained} loads:
 * {@code model_index.json}, {@code unet/config.json}, {@code unet/diffusion_pytorch_model.safetensors} and
 * {@code scheduler/scheduler_config.json}.
 */
public final class Trainer {

    /** The checkpoints' folder in the output folder. */
    public static final String CHECKPOINTS = "checkpoints";

    /** The loss log in the output folder. */
    public static final String LOSS_CSV = "loss.csv";

    /** The {@code _diffusers_version} the written configs carry: the layout of diffusers 0.28. */
    public static final String DIFFUSERS_VERSION = "0.28.0";

    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d{8})\\.safetensors");
    private static final String LOSS_HEADER = "step,loss,learning_rate,grad_norm";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String UNET = "unet/";
    private static final String FIRST_MOMENT = "adamw.exp_avg/";
    private static final String SECOND_MOMENT = "adamw.exp_avg_sq/";

    /** What a run reports while it trains. */
    public interface Listener {

        /** After each step: its number (1 for the first), the run's last step, the loss and the learning rate. */
        void onStep(long step, long steps, float loss, double learningRate, double gradNorm);

        /** A line about the run: resumed from a checkpoint, a checkpoint written, the model folder written. */
        default void onMessage(String message) {
        }
    }

    /** How a run ended: its step count, the last step's loss and where the model folder is. */
    public record Result(long steps, float lastLoss, long resumedFrom, Path modelFolder) {
    }

    private Trainer() {
    }

    /** The UNet config that {@code options} describe, checked as loading a model folder checks it. */
    public static UNet2DConfig unetConfig(TrainingOptions options) {
        return UNet2DConfig.of(ConfigFile.of("the training options' UNet config", options.unetConfig()));
    }

    /**
     * Trains on {@code images} with {@code options}; see the class comment. Without {@code resume}, an output folder
     * that already holds checkpoints is an error (so a second run cannot mix with the first).
     */
    public static Result train(TrainingImages images, TrainingOptions options, Listener listener) throws IOException {
        UNet2DConfig config = unetConfig(options);
        if (config.sampleSize() == null || !config.sampleSize().isInt()) {
            throw new IllegalArgumentException("The trainer needs a square sample_size (one integer) in the UNet"
                    + " config, but it is " + config.sampleSize());
        }
        int size = config.sampleSize().asInt();
        if (config.inChannels() != 1 || config.outChannels() != 1) {
            throw new IllegalArgumentException("The trainer feeds grayscale images: the UNet needs in_channels and"
                    + " out_channels 1, but the config has " + config.inChannels() + " and " + config.outChannels());
        }
        Path out = options.out();
        Path checkpoints = out.resolve(CHECKPOINTS);
        Files.createDirectories(checkpoints);
        Path latest = latestCheckpoint(checkpoints);
        if (latest != null && !options.resume()) {
            throw new IllegalArgumentException("The output folder " + out + " already holds checkpoints (latest "
                    + latest.getFileName() + "): pass --resume to continue that run, or choose another --out");
        }
        float[] alphasCumprod = new DDIMScheduler(DDIMSchedulerConfig.defaults()).alphasCumprod();
        try (NDManager manager = PyTorchEngine.newManager()) {
            Generator generator;
            UNet2DModel unet;
            AdamW optimizer;
            long start;
            if (latest != null) {
                Checkpoint checkpoint = Checkpoint.read(latest, manager);
                checkpoint.requireCompatible(options, latest, listener);
                unet = UNet2DModel.withWeights(config, checkpoint.unet, latest.toString(), manager);
                optimizer = new AdamW(unet.stateDict(), TrainingOptions.BETA1, TrainingOptions.BETA2,
                        TrainingOptions.EPSILON, options.weightDecay(), manager);
                optimizer.loadMoments(checkpoint.firstMoments, checkpoint.secondMoments);
                checkpoint.closeMoments();
                generator = new Generator().setState(checkpoint.generatorState);
                start = checkpoint.step;
                truncateLossLog(out.resolve(LOSS_CSV), start);
                listener.onMessage("Resumed from " + latest + " at step " + start);
            } else {
                generator = Generator.seeded(options.seed());
                unet = UNet2DModel.withRandomWeights(config, generator, manager);
                optimizer = new AdamW(unet.stateDict(), TrainingOptions.BETA1, TrainingOptions.BETA2,
                        TrainingOptions.EPSILON, options.weightDecay(), manager);
                start = 0;
                GoldenFiles.writeAtomically(out.resolve(LOSS_CSV),
                        (LOSS_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
            }
            try (unet; optimizer;
                 BufferedWriter lossLog = Files.newBufferedWriter(out.resolve(LOSS_CSV), StandardOpenOption.APPEND)) {
                Map<String, NDArray> parameters = unet.stateDict();
                parameters.values().forEach(p -> p.setRequiresGradient(true));
                float loss = Float.NaN;
                for (long step = start + 1; step <= options.steps(); step++) {
                    double lr = options.learningRate(step);
                    float[] stats = step(unet, parameters, optimizer, images, size, options, alphasCumprod,
                            generator, step, lr, manager);
                    loss = stats[0];
                    lossLog.write(String.format(Locale.ROOT, "%d,%s,%s,%s%n", step, loss, (float) lr, stats[1]));
                    lossLog.flush();
                    listener.onStep(step, options.steps(), loss, lr, stats[1]);
                    if (step % options.checkpointEvery() == 0 || step == options.steps()) {
                        Path file = checkpoints.resolve(String.format(Locale.ROOT, "checkpoint-%08d.safetensors",
                                step));
                        Checkpoint.write(file, unet, optimizer, generator.getState(), step, options);
                        listener.onMessage("Checkpoint " + file);
                    }
                }
                writeModelFolder(out, unet, options);
                listener.onMessage("Model folder " + out);
                return new Result(options.steps(), loss, start, out);
            }
        }
    }

    /** One optimizer step; returns the loss and the gradient norm before clipping. */
    @SuppressWarnings("try")
    private static float[] step(UNet2DModel unet, Map<String, NDArray> parameters, AdamW optimizer,
                                TrainingImages images, int size, TrainingOptions options, float[] alphasCumprod,
                                Generator generator, long step, double lr, NDManager parent) {
        int batch = options.batchSize();
        // the draws, in a fixed order: image indices, timesteps, noise
        double[] picks = generator.rand(new double[batch]);
        double[] times = generator.rand(new double[batch]);
        float[] noiseValues = generator.randn(new float[batch * size * size]);
        int[] indices = new int[batch];
        float[] timesteps = new float[batch];
        float[] signal = new float[batch];
        float[] noiseScale = new float[batch];
        for (int i = 0; i < batch; i++) {
            indices[i] = Math.min(images.count() - 1, (int) (picks[i] * images.count()));
            int t = Math.min(alphasCumprod.length - 1, (int) (times[i] * alphasCumprod.length));
            timesteps[i] = t;
            // diffusers' add_noise: alphas_cumprod[t] ** 0.5 and (1 - alphas_cumprod[t]) ** 0.5 in float32
            signal[i] = (float) Math.sqrt(alphasCumprod[t]);
            noiseScale[i] = (float) Math.sqrt(1f - alphasCumprod[t]);
        }
        Shape shape = new Shape(batch, 1, size, size);
        Shape perSample = new Shape(batch, 1, 1, 1);
        try (NDManager manager = parent.newSubManager()) {
            // Native copies: arrays over Java memory never meet the recorded graph.
            NDArray clean = copy(manager, images.batch(indices, size), shape);
            NDArray noise = copy(manager, noiseValues, shape);
            NDArray noisy = clean.mul(copy(manager, signal, perSample))
                    .add(noise.mul(copy(manager, noiseScale, perSample)));
            NDArray t = copy(manager, timesteps, new Shape(batch));
            float loss;
            try (GradientCollector collector = PyTorchEngine.get().newGradientCollector()) {
                NDArray prediction = unet.trainingForward(noisy, t);
                NDArray mse = prediction.sub(noise).square().mean();
                collector.backward(mse);
                loss = mse.getFloat();
            }
            if (!Float.isFinite(loss)) {
                throw new IllegalStateException("Training diverged at step " + step + ": the loss is " + loss
                        + " (learning rate " + lr + "); lower --lr or resume from an earlier checkpoint");
            }
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            parameters.forEach((name, p) -> {
                NDArray gradient = p.getGradient();
                gradient.attach(manager);
                gradients.put(name, gradient);
            });
            // torch.nn.utils.clip_grad_norm_: the 2-norm of all gradients together
            NDArray squares = manager.zeros(new Shape(), DataType.FLOAT32);
            for (NDArray gradient : gradients.values()) {
                squares = squares.add(gradient.square().sum());
            }
            float norm = squares.sqrt().getFloat();
            double clip = options.maxGradNorm() / (norm + 1e-6);
            optimizer.step(parameters, gradients, Math.min(1.0, clip), step, lr);
            for (NDArray gradient : gradients.values()) {
                gradient.subi(gradient);   // zero the accumulated .grad for the next step
            }
            return new float[] {loss, norm};
        }
    }

    private static NDArray copy(NDManager manager, float[] values, Shape shape) {
        try (NDArray wrapped = manager.create(values, shape)) {
            return wrapped.duplicate();
        }
    }

    /** The checkpoint with the highest step in {@code folder}, or null when there is none. */
    public static Path latestCheckpoint(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> CHECKPOINT.matcher(f.getFileName().toString()).matches())
                    .max(Path::compareTo).orElse(null);
        }
    }

    /** Keeps the header and the rows up to {@code step}, as the run resumed there will append the rest. */
    private static void truncateLossLog(Path file, long step) throws IOException {
        List<String> kept = new ArrayList<>();
        kept.add(LOSS_HEADER);
        if (Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int comma = line.indexOf(',');
                if (comma > 0 && Character.isDigit(line.charAt(0)) && Long.parseLong(line.substring(0, comma)) <= step) {
                    kept.add(line);
                }
            }
        }
        GoldenFiles.writeAtomically(file, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes the diffusers {@code DDIMPipeline} folder of {@code unet} into {@code out}: diffusers' config fields and
     * parameter names only, each file written atomically.
     */
    public static void writeModelFolder(Path out, UNet2DModel unet, TrainingOptions options) throws IOException {
        Files.createDirectories(out.resolve("unet"));
        Files.createDirectories(out.resolve("scheduler"));
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("_class_name", "DDIMPipeline");
        index.put("_diffusers_version", DIFFUSERS_VERSION);
        index.put("scheduler", List.of("diffusers", "DDIMScheduler"));
        index.put("unet", List.of("diffusers", "UNet2DModel"));
        writeJson(out.resolve("model_index.json"), index);
        Map<String, Object> unetConfig = new LinkedHashMap<>();
        unetConfig.put("_class_name", "UNet2DModel");
        unetConfig.put("_diffusers_version", DIFFUSERS_VERSION);
        unetConfig.putAll(options.unetConfig());
        writeJson(out.resolve("unet/config.json"), unetConfig);
        SafeTensors.save(out.resolve("unet").resolve(UNet2DModel.WEIGHTS_NAME), unet.stateDict(),
                Map.of("format", "pt"));
        writeJson(out.resolve("scheduler/scheduler_config.json"), ddimSchedulerConfig());
    }

    /**
     * Writes the diffusers folder of a checkpoint's weights into {@code out}, as the run would have written it had it
     * ended there: to look at a run's samples while it trains, or to stop a run early.
     */
    @SuppressWarnings("unchecked")
    public static void exportCheckpoint(Path checkpoint, Path out) throws IOException {
        String unetJson = SafeTensors.readHeader(checkpoint).metadata().get("unet_config");
        if (unetJson == null) {
            throw new IOException("Not a reprodiff training checkpoint: " + checkpoint + " has no unet_config in its"
                    + " metadata");
        }
        Map<String, Object> unetConfig = new ObjectMapper().readValue(unetJson, LinkedHashMap.class);
        TrainingOptions options = new TrainingOptions(out, 1, 1, 0, 1, 0, 1, false, 1, 0, unetConfig);
        try (NDManager manager = PyTorchEngine.newManager()) {
            Checkpoint read = Checkpoint.read(checkpoint, manager);
            read.closeMoments();
            try (UNet2DModel unet = UNet2DModel.withWeights(unetConfig(options), read.unet, checkpoint.toString(),
                    manager)) {
                writeModelFolder(out, unet, options);
            }
        }
    }

    /** diffusers' {@code DDIMScheduler} config for the training schedule: linear betas 1e-4 to 0.02, 1000 steps. */
    public static Map<String, Object> ddimSchedulerConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("_class_name", "DDIMScheduler");
        config.put("_diffusers_version", DIFFUSERS_VERSION);
        config.put("beta_end", 0.02);
        config.put("beta_schedule", "linear");
        config.put("beta_start", 0.0001);
        config.put("clip_sample", true);
        config.put("clip_sample_range", 1.0);
        config.put("dynamic_thresholding_ratio", 0.995);
        config.put("num_train_timesteps", 1000);
        config.put("prediction_type", "epsilon");
        config.put("rescale_betas_zero_snr", false);
        config.put("sample_max_value", 1.0);
        config.put("set_alpha_to_one", true);
        config.put("steps_offset", 0);
        config.put("thresholding", false);
        config.put("timestep_spacing", "leading");
        config.put("trained_betas", null);
        return config;
    }

    private static void writeJson(Path file, Map<String, Object> values) throws IOException {
        byte[] bytes = (JSON.writeValueAsString(values) + "\n").getBytes(StandardCharsets.UTF_8);
        GoldenFiles.writeAtomically(file, bytes);
    }

    /** A checkpoint: one safetensors file with the weights, the moments, and the step and generator in metadata. */
    private static final class Checkpoint {

        final long step;
        final GeneratorState generatorState;
        final Map<String, String> metadata;
        final Map<String, NDArray> unet = new LinkedHashMap<>();
        final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
        final Map<String, NDArray> secondMoments = new LinkedHashMap<>();

        private Checkpoint(long step, GeneratorState generatorState, Map<String, String> metadata) {
            this.step = step;
            this.generatorState = generatorState;
            this.metadata = metadata;
        }

        static void write(Path file, UNet2DModel unet, AdamW optimizer, GeneratorState state, long step,
                          TrainingOptions options) throws IOException {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            unet.stateDict().forEach((name, array) -> tensors.put(UNET + name, array));
            optimizer.firstMoments().forEach((name, array) -> tensors.put(FIRST_MOMENT + name, array));
            optimizer.secondMoments().forEach((name, array) -> tensors.put(SECOND_MOMENT + name, array));
            Map<String, String> metadata = new LinkedHashMap<>(describe(options));
            metadata.put("step", Long.toString(step));
            metadata.put("generator_state", Base64.getEncoder().encodeToString(state.toBytes()));
            SafeTensors.save(file, tensors, metadata);
        }

        /** The options that must not change when a run resumes (the step count may: the schedule follows it). */
        static Map<String, String> describe(TrainingOptions options) throws IOException {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("batch_size", Integer.toString(options.batchSize()));
            fields.put("seed", Long.toString(options.seed()));
            fields.put("learning_rate", Double.toString(options.learningRate()));
            fields.put("warmup_steps", Long.toString(options.warmupSteps()));
            fields.put("max_grad_norm", Double.toString(options.maxGradNorm()));
            fields.put("weight_decay", Double.toString(options.weightDecay()));
            fields.put("unet_config", new ObjectMapper().writeValueAsString(options.unetConfig()));
            fields.put("steps", Long.toString(options.steps()));
            return fields;
        }

        static Checkpoint read(Path file, NDManager manager) throws IOException {
            Map<String, String> metadata = SafeTensors.readHeader(file).metadata();
            String step = metadata.get("step");
            String state = metadata.get("generator_state");
            if (step == null || state == null) {
                throw new IOException("Not a reprodiff training checkpoint: " + file + " has no step or generator"
                        + " state in its metadata");
            }
            Checkpoint checkpoint = new Checkpoint(Long.parseLong(step),
                    GeneratorState.fromBytes(Base64.getDecoder().decode(state)), metadata);
            SafeTensors.load(file, manager).forEach((name, array) -> {
                NDArray own = array.duplicate();
                array.close();
                if (name.startsWith(UNET)) {
                    checkpoint.unet.put(name.substring(UNET.length()), own);
                } else if (name.startsWith(FIRST_MOMENT)) {
                    checkpoint.firstMoments.put(name.substring(FIRST_MOMENT.length()), own);
                } else if (name.startsWith(SECOND_MOMENT)) {
                    checkpoint.secondMoments.put(name.substring(SECOND_MOMENT.length()), own);
                } else {
                    own.close();
                }
            });
            return checkpoint;
        }

        void requireCompatible(TrainingOptions options, Path file, Listener listener) throws IOException {
            Map<String, String> expected = describe(options);
            List<String> differences = new ArrayList<>();
            expected.forEach((key, value) -> {
                String found = metadata.get(key);
                if (!key.equals("steps") && !value.equals(found)) {
                    differences.add(key + ": the checkpoint has " + found + ", the options " + value);
                }
            });
            if (!differences.isEmpty()) {
                throw new IllegalArgumentException("Cannot resume from " + file + ": the run's options differ ("
                        + String.join("; ", differences) + "). Resume with the options the run started with.");
            }
            if (!expected.get("steps").equals(metadata.get("steps"))) {
                listener.onMessage("The run started with " + metadata.get("steps") + " steps and resumes with "
                        + options.steps() + ": the learning rate schedule follows the new count from step " + step);
            }
        }

        void closeMoments() {
            firstMoments.values().forEach(NDArray::close);
            secondMoments.values().forEach(NDArray::close);
        }
    }

    /** The step number of a checkpoint file name, or -1. */
    static long checkpointStep(Path file) {
        Matcher matcher = CHECKPOINT.matcher(file.getFileName().toString());
        return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
    }
}
