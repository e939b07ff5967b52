package dev.reprodiff.pipelines;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigFile;
import dev.reprodiff.schedulers.Scheduler;
import dev.reprodiff.schedulers.SchedulerOutput;
import dev.reprodiff.schedulers.StepOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A made-up scheduler for the loop's own tests: sigma 2, input scaled by 1/2, x <- x - 0.1 * eps; records calls. */
final class StubScheduler implements Scheduler {

    final List<String> calls;
    private double[] timesteps;

    StubScheduler() {
        this(new ArrayList<>());
    }

    /** A copy records into the same list, so a test sees what the pipeline's per-call copies did. */
    private StubScheduler(List<String> calls) {
        this.calls = calls;
    }

    @Override
    public StubScheduler copy() {
        calls.add("copy()");
        return new StubScheduler(calls);
    }

    @Override
    public ConfigFile config() {
        return ConfigFile.of("stub", Map.of("num_train_timesteps", 1000));
    }

    @Override
    public int numTrainTimesteps() {
        return 1000;
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        calls.add("setTimesteps(" + numInferenceSteps + ")");
        timesteps = new double[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++) {
            timesteps[i] = 1000.0 * (numInferenceSteps - i) / numInferenceSteps - 0.5;
        }
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public double initNoiseSigma() {
        return 2.0;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, double timestep) {
        calls.add("scaleModelInput(" + timestep + ")");
        return sample.div(2);
    }

    @Override
    public SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options) {
        calls.add("step(" + timestep + ", eta=" + options.eta() + ")");
        return new SchedulerOutput(sample.sub(modelOutput.mul(0.1)), null);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] timesteps) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int order() {
        return 1;
    }
}
