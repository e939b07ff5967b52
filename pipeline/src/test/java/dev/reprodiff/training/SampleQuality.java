package dev.reprodiff.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.pipelines.DDIMPipeline;
import dev.reprodiff.pipelines.ImagePipelineOutput;
import dev.reprodiff.pipelines.Images;
import dev.reprodiff.pipelines.OutputType;
import dev.reprodiff.random.Generator;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A cheap, real measure of a trained model's samples (not run by the build; it needs Fashion-MNIST installed):
 * trains a small classifier (an MLP, 784-256-10, on the 60,000 training images, 2 epochs of AdamW), checks it on the
 * 10,000 test images, then classifies {@code n} samples of the model (DDIM, 50 steps, seed 0, cropped from 32x32 to
 * the 28x28 centre) and reports the class histogram and the mean confidence (largest softmax probability), next to the
 * same figures for test images and for uniform noise; and the mean distance from each sample to its nearest training
 * image (root mean square over pixels in [0, 1]), next to that of test images and of noise.
 *
 * <pre>
 * scripts/sample-quality MODEL_FOLDER [N] [DATA_FOLDER] [GRID.png]
 * </pre>
 */
public final class SampleQuality {

    private SampleQuality() {
    }

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Path data = args.length > 2 ? Path.of(args[2]) : FashionMnist.DEFAULT_FOLDER;
        TrainingImages train = FashionMnist.trainingImages(data);
        byte[] trainLabels = FashionMnist.readLabels(FashionMnist.requireFile(data, FashionMnist.TRAIN_LABELS));
        TrainingImages test = FashionMnist.readImages(FashionMnist.requireFile(data, FashionMnist.TEST_IMAGES));
        byte[] testLabels = FashionMnist.readLabels(FashionMnist.requireFile(data, FashionMnist.TEST_LABELS));
        try (NDManager manager = PyTorchEngine.newManager()) {
            long start = System.nanoTime();
            Classifier classifier = Classifier.train(train, trainLabels, manager);
            float[] testPixels = unit(test.pixels());
            float accuracy = classifier.accuracy(testPixels, testLabels, manager);
            System.out.printf(Locale.ROOT, "classifier: MLP 784-256-10, test accuracy %.4f (%.0f s)%n", accuracy,
                    (System.nanoTime() - start) / 1e9);

            float[] samples;
            try (DDIMPipeline pipeline = DDIMPipeline.fromPretrained(model);
                 ImagePipelineOutput output = pipeline.call(DDIMPipeline.options().batchSize(n)
                         .numInferenceSteps(50).outputType(OutputType.NP).generator(Generator.seeded(0))
                         .manager(manager))) {
                samples = crop(output.images().toFloatArray(), n, 32, 28);
                if (args.length > 3) {
                    ImageIO.write(Images.makeImageGrid(Images.numpyToPil(output.images()), 8, n / 8), "png",
                            Path.of(args[3]).toFile());
                }
            }
            float[] testSample = java.util.Arrays.copyOf(testPixels, n * 784);
            float[] noise = Generator.seeded(1).rand(new float[n * 784]);
            float[] trainPixels = unit(train.pixels());
            report("samples", classifier.probabilities(samples, n, manager), nearest(samples, n, trainPixels, train.count(),
                    manager));
            report("test images", classifier.probabilities(testSample, n, manager), nearest(testSample, n,
                    trainPixels, train.count(), manager));
            report("uniform noise", classifier.probabilities(noise, n, manager), nearest(noise, n, trainPixels,
                    train.count(), manager));
        }
    }

    private static void report(String what, float[][] probabilities, double nearest) {
        int[] histogram = new int[10];
        double confidence = 0;
        for (float[] p : probabilities) {
            int best = 0;
            for (int c = 1; c < 10; c++) {
                if (p[c] > p[best]) {
                    best = c;
                }
            }
            histogram[best]++;
            confidence += p[best];
        }
        Map<String, Integer> classes = new LinkedHashMap<>();
        for (int c = 0; c < 10; c++) {
            classes.put(FashionMnist.CLASSES.get(c), histogram[c]);
        }
        System.out.printf(Locale.ROOT, "%-13s mean confidence %.3f, classes present %d/10, nearest-training-image"
                        + " RMS distance %.4f, histogram %s%n", what, confidence / probabilities.length,
                java.util.Arrays.stream(histogram).filter(h -> h > 0).count(), nearest, classes);
    }

    private static float[] unit(byte[] pixels) {
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = (pixels[i] & 0xff) / 255f;
        }
        return out;
    }

    /** The centred {@code inner x inner} crops of {@code n} single-channel {@code size x size} images. */
    private static float[] crop(float[] images, int n, int size, int inner) {
        int offset = (size - inner) / 2;
        float[] out = new float[n * inner * inner];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < inner; y++) {
                System.arraycopy(images, i * size * size + (y + offset) * size + offset, out,
                        (i * inner + y) * inner, inner);
            }
        }
        return out;
    }

    /** The mean over the {@code n} images of the RMS pixel distance to the nearest of the training images. */
    @SuppressWarnings("try")
    private static double nearest(float[] images, int n, float[] train, int count, NDManager manager) {
        try (NDScope scope = new NDScope()) {
            NDArray x = manager.create(images, new Shape(n, 784));
            NDArray xx = x.square().sum(new int[] {1}, true);
            NDArray best = null;
            for (int from = 0; from < count; from += 10000) {
                int rows = Math.min(10000, count - from);
                NDArray t = manager.create(java.util.Arrays.copyOfRange(train, from * 784, (from + rows) * 784),
                        new Shape(rows, 784));
                NDArray d = xx.add(t.square().sum(new int[] {1}).reshape(1, rows)).sub(x.matMul(t.transpose())
                        .mul(2)).min(new int[] {1});
                best = best == null ? d : best.minimum(d);
            }
            return best.maximum(0).div(784).sqrt().mean().getFloat();
        }
    }

    /** An MLP 784-256-10 with ReLU, trained with the project's AdamW. */
    private record Classifier(Map<String, NDArray> parameters) {

        static Classifier train(TrainingImages images, byte[] labels, NDManager manager) {
            Generator generator = Generator.seeded(0);
            Map<String, NDArray> parameters = new LinkedHashMap<>();
            parameters.put("w1", init(generator, manager, 784, 256));
            parameters.put("b1", manager.zeros(new Shape(256)));
            parameters.put("w2", init(generator, manager, 256, 10));
            parameters.put("b2", manager.zeros(new Shape(10)));
            parameters.values().forEach(p -> p.setRequiresGradient(true));
            Classifier classifier = new Classifier(parameters);
            float[] pixels = unit(images.pixels());
            int batch = 128;
            try (AdamW adam = new AdamW(parameters, 0.9, 0.999, 1e-8, 0, manager)) {
                long step = 0;
                for (int epoch = 0; epoch < 2; epoch++) {
                    for (int from = 0; from + batch <= images.count(); from += batch) {
                        step++;
                        try (NDManager local = manager.newSubManager()) {
                            NDArray x = local.create(java.util.Arrays.copyOfRange(pixels, from * 784,
                                    (from + batch) * 784), new Shape(batch, 784)).duplicate();
                            float[] oneHot = new float[batch * 10];
                            for (int i = 0; i < batch; i++) {
                                oneHot[i * 10 + labels[from + i]] = 1;
                            }
                            NDArray y = local.create(oneHot, new Shape(batch, 10)).duplicate();
                            try (GradientCollector collector = PyTorchEngine.get().newGradientCollector()) {
                                NDArray loss = classifier.logits(x).logSoftmax(1).mul(y).sum().neg()
                                        .div(local.full(new Shape(), (float) batch));
                                collector.backward(loss);
                            }
                            Map<String, NDArray> gradients = new LinkedHashMap<>();
                            parameters.forEach((name, p) -> {
                                NDArray g = p.getGradient();
                                g.attach(local);
                                gradients.put(name, g);
                            });
                            adam.step(parameters, gradients, 1.0, step, 1e-3);
                            gradients.values().forEach(g -> g.subi(g));
                        }
                    }
                }
            }
            parameters.values().forEach(p -> p.setRequiresGradient(false));
            return classifier;
        }

        private static NDArray init(Generator generator, NDManager manager, int in, int out) {
            float[] values = generator.rand(new float[in * out]);
            double bound = 1 / Math.sqrt(in);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((2 * values[i] - 1) * bound);
            }
            return manager.create(values, new Shape(in, out)).duplicate();
        }

        NDArray logits(NDArray x) {
            NDArray h = x.matMul(parameters.get("w1")).add(parameters.get("b1"));
            h = h.maximum(h.getManager().zeros(new Shape()));
            return h.matMul(parameters.get("w2")).add(parameters.get("b2"));
        }

        @SuppressWarnings("try")
        float[][] probabilities(float[] images, int n, NDManager manager) {
            try (NDScope scope = new NDScope()) {
                float[] flat = logits(manager.create(images, new Shape(n, 784))).softmax(1).toFloatArray();
                float[][] out = new float[n][10];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(flat, i * 10, out[i], 0, 10);
                }
                return out;
            }
        }

        float accuracy(float[] images, byte[] labels, NDManager manager) {
            float[][] p = probabilities(images, labels.length, manager);
            int correct = 0;
            for (int i = 0; i < labels.length; i++) {
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    if (p[i][c] > p[i][best]) {
                        best = c;
                    }
                }
                correct += best == labels[i] ? 1 : 0;
            }
            return (float) correct / labels.length;
        }
    }
}
