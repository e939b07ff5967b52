package dev.reprodiff.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.reprodiff.engine.PyTorchEngine;
import dev.reprodiff.random.Generator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts the libtorch (JNI) calls and the NDArray objects of one DDIM step of the default model, at batch 1 and 8.
 * Run with the {@link JniCallCounter} agent ({@code benchmarks/run calls}).
 */
public final class StepCalls {

    private StepCalls() {
    }

    public static void main(String[] args) {
        if (!JniCallCounter.installed()) {
            throw new IllegalStateException("StepCalls counts through the JniCallCounter agent; run it with"
                    + " -javaagent:benchmarks/target/jni-counter.jar (benchmarks/run calls does)");
        }
        try (NDManager manager = PyTorchEngine.newManager(); DefaultModel model = new DefaultModel(manager)) {
            for (int batch : new int[] {1, 8}) {
                NDArray sample = Generator.seeded(1).randn(manager, new Shape(batch, 3, 32, 32));
                for (int i = 0; i < 3; i++) {
                    model.scopedStep(sample);
                }
                long calls = JniCallCounter.calls();
                long arrays = JniCallCounter.arrays();
                Map<String, Long> before = JniCallCounter.callsByMethod();
                model.scopedStep(sample);
                System.out.printf("default model, DDIM step, batch %d: %d libtorch calls, %d NDArrays%n", batch,
                        JniCallCounter.calls() - calls, JniCallCounter.arrays() - arrays);
                if (batch == 1) {
                    Map<String, Long> step = new LinkedHashMap<>();
                    JniCallCounter.callsByMethod().forEach((name, count) -> {
                        long inStep = count - before.getOrDefault(name, 0L);
                        if (inStep > 0) {
                            step.put(name, inStep);
                        }
                    });
                    System.out.println("  by native method: " + step);
                }
                sample.close();
            }
        }
    }
}
