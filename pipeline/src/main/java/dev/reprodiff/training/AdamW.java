package dev.reprodiff.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter's decoupled weight decay) as {@code torch.optim.AdamW} computes it, on a model's
 * parameter arrays by name. Written on NDArrays because DJL's optimizers update a {@code Block}'s
 * {@code ParameterStore}, and the project's models are not DJL Blocks: they hold their weights under diffusers' names.
 *
 * <p>Every scalar of the update is created by the engine ({@code manager.full}), as on the gradient path: none of
 * DJL's {@code mul(Number)} tensors over Java memory. For parameter p with gradient g at step t:
 * <pre>
 * p = p * (1 - lr * weight_decay)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g * g
 * p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 */
public final class AdamW implements AutoCloseable {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();

    /** Moments at zero for {@code parameters}, on a sub-manager of {@code parent}. */
    public AdamW(Map<String, NDArray> parameters, double beta1, double beta2, double eps, double weightDecay,
                 NDManager parent) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.manager = parent.newSubManager();
        parameters.forEach((name, p) -> {
            firstMoments.put(name, manager.zeros(p.getShape(), p.getDataType()));
            secondMoments.put(name, manager.zeros(p.getShape(), p.getDataType()));
        });
    }

    /** The first moments by parameter name (the optimizer's own arrays). */
    public Map<String, NDArray> firstMoments() {
        return java.util.Collections.unmodifiableMap(firstMoments);
    }

    /** The second moments by parameter name (the optimizer's own arrays). */
    public Map<String, NDArray> secondMoments() {
        return java.util.Collections.unmodifiableMap(secondMoments);
    }

    /** Replaces the moments with copies of {@code first} and {@code second} (a checkpoint's). */
    public void loadMoments(Map<String, NDArray> first, Map<String, NDArray> second) {
        replace(firstMoments, first, "first");
        replace(secondMoments, second, "second");
    }

    private void replace(Map<String, NDArray> target, Map<String, NDArray> source, String which) {
        for (Map.Entry<String, NDArray> entry : target.entrySet()) {
            NDArray loaded = source.get(entry.getKey());
            if (loaded == null || !loaded.getShape().equals(entry.getValue().getShape())) {
                throw new IllegalArgumentException("The checkpoint's " + which + " moments do not match the model: "
                        + entry.getKey() + " is " + (loaded == null ? "missing" : "of shape " + loaded.getShape())
                        + ", expected " + entry.getValue().getShape());
            }
        }
        for (Map.Entry<String, NDArray> entry : target.entrySet()) {
            NDArray copy = source.get(entry.getKey()).duplicate();
            copy.attach(manager);
            entry.getValue().close();
            entry.setValue(copy);
        }
    }

    /**
     * One update of {@code parameters} in place at step {@code step} (1 for the first) with learning rate
     * {@code lr}, from {@code gradients} (same names) multiplied by {@code gradientScale} (gradient clipping). Run it
     * with autograd not recording (outside a {@code GradientCollector}); its temporaries are closed before it returns.
     */
    @SuppressWarnings("try")
    public void step(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double gradientScale,
                     long step, double lr) {
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        try (NDScope scope = new NDScope()) {
            NDArray decay = scalar(1 - lr * weightDecay);
            NDArray b1 = scalar(beta1);
            NDArray oneMinusB1 = scalar(1 - beta1);
            NDArray b2 = scalar(beta2);
            NDArray oneMinusB2 = scalar(1 - beta2);
            NDArray scale = scalar(gradientScale);
            NDArray sqrtBc2 = scalar(Math.sqrt(biasCorrection2));
            NDArray epsilon = scalar(eps);
            NDArray stepSize = scalar(lr / biasCorrection1);
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                String name = entry.getKey();
                NDArray p = entry.getValue();
                NDArray g = gradients.get(name);
                NDArray m = firstMoments.get(name);
                NDArray v = secondMoments.get(name);
                try (NDScope perParameter = new NDScope()) {
                    NDArray grad = gradientScale == 1.0 ? g : g.mul(scale);
                    p.muli(decay);
                    m.muli(b1).addi(grad.mul(oneMinusB1));
                    v.muli(b2).addi(grad.mul(grad).mul(oneMinusB2));
                    NDArray denominator = v.sqrt().div(sqrtBc2).add(epsilon);
                    p.subi(m.div(denominator).mul(stepSize));
                }
            }
        }
    }

    private NDArray scalar(double value) {
        return manager.full(new Shape(), (float) value);
    }

    @Override
    public void close() {
        manager.close();
    }
}
