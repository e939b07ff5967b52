package dev.reprodiff.pipelines;

/** diffusers' {@code output_type}: what a pipeline call returns as its images. */
public enum OutputType {
    /** The final sample itself ({@code output_type="latent"}): NCHW, in the model's range (about [-1, 1]). */
    LATENT,
    /** {@code output_type="np"}: NHWC float32 in [0, 1], {@code (x / 2 + 0.5).clamp(0, 1)} permuted. */
    NP,
    /** {@code output_type="pil"}: {@link java.awt.image.BufferedImage}s, {@code round(np * 255)} as uint8. */
    PIL
}
