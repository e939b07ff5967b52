package dev.reprodiff.junit;

import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.Platform;
import dev.reprodiff.golden.ToleranceProfile;
import dev.reprodiff.golden.ToleranceRule;

import java.nio.file.Path;

/**
 * The tolerance for comparing a golden recorded on one platform with a tensor computed on another: exact for a
 * {@code @Deterministic} test on the same platform, else {@code tolerances.json}'s per-golden or per-platform-pair
 * rule, else the dtype's default.
 *
 * <pre>{@code
 * {
 *   "platforms": {"sameCpuModel": {"atol": 0, "rtol": 0}, "otherCpu": {"atol": 1e-5, "rtol": 0},
 *                 "cpuVsGpu": {"atol": 1e-3, "rtol": 0}, "sameGpuModel": {"atol": 0, "rtol": 0},
 *                 "otherGpu": {"atol": 5e-3, "rtol": 0}},
 *   "goldens": {"ddim/tiny": {"atol": 1e-4, "rtol": 0},
 *               "ddim/latents": {"sameCpuModel": {"atol": 5e-7, "rtol": 0, "calibrated": {...}}}}
 * }
 * }</pre>
 *
 * The rules are looked up by core's {@link ToleranceProfile}, which {@code reprodiff:calibrate} also uses.
 */
final class Tolerances {

    static final String FILE_NAME = GoldenProperties.DEFAULT_TOLERANCES;
    static final String EXACT_SOURCE = "exact: a @Deterministic test on the platform the golden was recorded on";

    private Tolerances() {
    }

    static Tolerance resolve(Path goldenDir, String golden, String dtype, Platform recorded, Platform current,
                             boolean deterministic) {
        return resolve(goldenDir, FILE_NAME, golden, dtype, recorded, current, deterministic);
    }

    /** As above, with the rules in {@code fileName} (a tolerance profile such as {@code tolerances-cuda.json}). */
    static Tolerance resolve(Path goldenDir, String fileName, String golden, String dtype, Platform recorded,
                             Platform current, boolean deterministic) {
        if (deterministic && recorded.sameAs(current)) {
            return Tolerance.exact(EXACT_SOURCE);
        }
        return Tolerance.of(rule(goldenDir.resolve(fileName), golden, pair(recorded, current), dtype));
    }

    /**
     * The rule of the profile in {@code file} (or the dtype's default) for a golden and pair, without the exact
     * shortcut; a malformed profile or an invalid rule is a {@link GoldenException}.
     */
    static ToleranceRule rule(Path file, String golden, String pair, String dtype) {
        try {
            return ToleranceProfile.read(file).resolve(golden, pair, dtype);
        } catch (ToleranceProfile.InvalidProfileException e) {
            throw new GoldenException(e.getMessage(), e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Which pair of platforms this is, as {@code tolerances.json} names it. */
    static String pair(Platform recorded, Platform current) {
        return ToleranceProfile.pair(recorded, current);
    }
}
