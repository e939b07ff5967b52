package dev.reprodiff.schedulers;

import ai.djl.ndarray.NDArray;
import dev.reprodiff.io.ConfigFile;

/**
 * What a pipeline's denoising loop needs from a noise scheduler, in diffusers' shape (camelCase). Each implementation
 * is one self-contained class that follows its paper; this interface only lets pipelines swap them.
 *
 * <p>A scheduler holds the state of one run ({@link #setTimesteps} starts it, each {@link #step} advances it), so
 * one instance serves one run at a time; {@link #copy()} gives another run its own.
 */
public interface Scheduler {

    /** The full configuration this scheduler was built from, unknown keys included (for {@code fromConfig}). */
    ConfigFile config();

    /**
     * A new scheduler of the same class and configuration, without this one's run state (timesteps, step index,
     * kept history). A pipeline steps a copy in each call, so calls on one pipeline, from several threads too, do not
     * share a run; a copy is cheap.
     */
    Scheduler copy();

    /** {@code num_train_timesteps}. */
    int numTrainTimesteps();

    /** Sets the discrete timesteps of the inference run; must be called before {@link #step}. */
    void setTimesteps(int numInferenceSteps);

    /** The timesteps set by {@link #setTimesteps}, in the order the loop visits them. */
    double[] timesteps();

    /** The standard deviation of the initial noise (1 for DDPM/DDIM; the largest sigma for Euler). */
    double initNoiseSigma();

    /** Scales the denoising model's input for timestep {@code t} (identity for DDPM/DDIM). */
    NDArray scaleModelInput(NDArray sample, double timestep);

    /** Predicts the sample at the previous timestep from the model output: one reverse diffusion step. */
    SchedulerOutput step(NDArray modelOutput, double timestep, NDArray sample, StepOptions options);

    /** Noises {@code original} to the given timesteps (one per batch item). */
    NDArray addNoise(NDArray original, NDArray noise, double[] timesteps);

    /** How many model evaluations one step of the method takes (PNDM's PRK warm-up: more than one). */
    int order();
}
