package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.models.UNet2DModel;
import dev.reprodiff.random.Generator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Counts the libtorch (JNI) calls and the NDArray objects of one step at batch 1 and 8: a DDIM step of the default
 * model ({@code default}, the default) or a UNet forward of cifar10-32 ({@code cifar10}). Run with the
 * {@link JniCallCounter} agent: {@code benchmarks/run calls [default|cifar10]}.
 */
public final class StepCalls {

    private StepCalls() {
    }

    public static void main(String[] args) {
        if (!JniCallCounter.installed()) {
            throw new IllegalStateException("StepCalls counts through the JniCallCounter agent; run it with"
                    + " -javaagent:benchmarks/target/jni-counter.jar (benchmarks/run calls does)");
        }
        String model = args.length > 0 ? args[0] : "default";
        try (NDManager manager = PyTorchEngine.newManager()) {
            switch (model) {
                case "default" -> {
                    try (DefaultModel defaultModel = new DefaultModel(manager)) {
                        count("default model, DDIM step", manager, defaultModel::sampleShape, defaultModel::scopedStep);
                    }
                }
                case "cifar10" -> {
                    try (UNet2DModel unet = Cifar10.unet(manager)) {
                        count("cifar10-32, UNet forward", manager, batch -> new Shape(batch, 3, 32, 32),
                                sample -> forward(unet, sample));
                    }
                }
                default -> throw new IllegalArgumentException("StepCalls counts default or cifar10, not " + model);
            }
        }
    }

    @SuppressWarnings("try")
    private static double forward(UNet2DModel unet, NDArray sample) {
        try (NDScope scope = new NDScope()) {
            return unet.forward(sample, 500).getFloat(0, 0, 0, 0);
        }
    }

    private static void count(String what, NDManager manager, java.util.function.IntFunction<Shape> samples,
                              ToDoubleFunction<NDArray> step) {
        for (int batch : new int[] {1, 8}) {
            NDArray sample = Generator.seeded(1).randn(manager, samples.apply(batch));
            for (int i = 0; i < 2; i++) {
                step.applyAsDouble(sample);
            }
            long calls = JniCallCounter.calls();
            long arrays = JniCallCounter.arrays();
            Map<String, Long> before = JniCallCounter.callsByMethod();
            step.applyAsDouble(sample);
            System.out.printf("%s, batch %d: %d libtorch calls, %d NDArrays%n", what, batch,
                    JniCallCounter.calls() - calls, JniCallCounter.arrays() - arrays);
            if (batch == 1) {
                Map<String, Long> inStep = new LinkedHashMap<>();
                JniCallCounter.callsByMethod().forEach((name, count) -> {
                    long delta = count - before.getOrDefault(name, 0L);
                    if (delta > 0) {
                        inStep.put(name, delta);
                    }
                });
                System.out.println("  by native method: " + inStep);
            }
            sample.close();
        }
    }
}
