package dev.reprodiff.junit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

import org.junit.jupiter.api.MediaType;

import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.Platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The golden work of one test invocation: verifying and recording, and the outputs captured for repeat checks. */
final class GoldenSession {

    static final Namespace NAMESPACE = Namespace.create(GoldenExtension.class);
    private static final ThreadLocal<GoldenSession> BOUND = new ThreadLocal<>();

    private final ExtensionContext context;
    private final GoldenSettings config;
    private final GoldenStore store;
    private final GoldenUsage usage;
    private final List<Captured> captures = new ArrayList<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private String artifactsError;

    /** An output that went through the golden API, for {@code @Deterministic(repeat = ...)}. */
    record Captured(String name, ActualTensor tensor) {
    }

    /** Restores the previously bound session. */
    interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    private GoldenSession(ExtensionContext context) {
        this.context = context;
        this.config = GoldenSettings.from(context);
        this.store = new GoldenStore(config.dir());
        // getOrComputeIfAbsent: deprecated in JUnit 6 for computeIfAbsent, which JUnit 5.14 does not have yet.
        this.usage = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(GoldenUsage.class,
                key -> new GoldenUsage(config.artifacts()), GoldenUsage.class);
    }

    static GoldenSession of(ExtensionContext context) {
        // getOrComputeIfAbsent: deprecated in JUnit 6 for computeIfAbsent, which JUnit 5.14 does not have yet.
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(GoldenSession.class,
                key -> new GoldenSession(context), GoldenSession.class);
    }

    /** The session of the test running on this thread. */
    static GoldenSession current() {
        GoldenSession session = BOUND.get();
        if (session == null) {
            throw new IllegalStateException("Goldens need reprodiff's JUnit extension, and this thread runs no test"
                    + " that has it: annotate the test class with @Goldens (or @Seeded or @Deterministic), and"
                    + " call matchesGolden on the test's own thread");
        }
        return session;
    }

    Binding bind() {
        GoldenSession previous = BOUND.get();
        BOUND.set(this);
        return () -> {
            if (previous == null) {
                BOUND.remove();
            } else {
                BOUND.set(previous);
            }
        };
    }

    Path directory() {
        return config.dir();
    }

    /** A pipeline setting recorded in the manifest of every golden this invocation records. */
    synchronized void setting(String key, Object value) {
        settings.put(key, String.valueOf(value));
    }

    synchronized void capture(String name, ActualTensor tensor) {
        captures.add(new Captured(name, tensor.copy()));
    }

    /** The outputs captured so far, leaving none: each run of a repeated test starts empty. */
    synchronized List<Captured> takeCaptures() {
        List<Captured> taken = new ArrayList<>(captures);
        captures.clear();
        return taken;
    }

    /** Compares {@code actual} with golden {@code name}, or records it, as the mode says. */
    void verify(String name, ActualTensor actual, String description) {
        verify(name, actual, description, Map.of());
    }

    void verify(String name, ActualTensor actual, String description, Map<String, String> assertionSettings) {
        GoldenStore.checkName(name);
        capture(name, actual);
        GoldenMessages.Origin origin = origin(description);
        Platform current = Platform.current(actual.deviceType(), actual.deviceId());
        if (config.mode() == GoldenSettings.Mode.RECORD) {
            // Not reading the old golden first: recording is how a corrupt one gets replaced.
            record(name, actual, current, origin, assertionSettings);
            return;
        }
        Optional<GoldenStore.Selected> selected = store.select(name, current);
        if (selected.isEmpty() && config.mode() == GoldenSettings.Mode.RECORD_MISSING && config.mayWrite()) {
            record(name, actual, current, origin, assertionSettings);
            return;
        }
        if (selected.isEmpty()) {
            writeResult(name, "missing", actual, current, (String) null);
            boolean ciRefused = config.mode() == GoldenSettings.Mode.RECORD_MISSING;   // here only when CI refused
            throw new GoldenAssertionError(GoldenMessages.missing(origin, name, missingReason(name),
                    TestCommands.recordMissing(context, SeededExtension.storedSeeds(context).orElse(null)),
                    ciRefused));
        }
        compare(name, actual, current, selected.get(), origin);
    }

    private void compare(String name, ActualTensor actual, Platform current, GoldenStore.Selected selected,
                         GoldenMessages.Origin origin) {
        GoldenStore.Loaded golden = store.load(selected);
        usage.read(store, golden.file());
        String location = golden.file() + "#" + golden.tensor();
        if (!Arrays.equals(golden.shape(), actual.shape()) || selected.variant().trajectory()
                != actual.trajectory()) {
            throw new GoldenAssertionError(GoldenMessages.shapeMismatch(origin, actual, location,
                    selected.variant().dtype(), golden.shape()));
        }
        Tolerance tolerance = Tolerances.resolve(store.dir(), Config.get(context, Goldens.TOLERANCES_PROPERTY)
                .orElse(Tolerances.FILE_NAME), name, actual.dtype(),
                selected.variant().platform(), current, DeterministicExtension.isDeterministic(context));
        if (TensorComparison.countMismatches(actual.data(), golden.data(), tolerance.atol(), tolerance.rtol()) == 0) {
            context.publishReportEntry("reprodiff.golden." + name, selected.key() + " within " + tolerance.rule()
                    + " (" + tolerance.source() + ")");
            writeResult(name, "passed", actual, current, selected, tolerance, golden.data(), -1, List.of());
            return;
        }
        TensorComparison.Result result = TensorComparison.compare(actual.data(), golden.data(), tolerance.atol(),
                tolerance.rtol());
        int steps = actual.steps();
        double[] stepLinf = actual.trajectory() ? TensorComparison.stepLinf(actual.data(), golden.data(), steps)
                : null;
        int firstStep = actual.trajectory() ? TensorComparison.firstStepOutOfTolerance(actual.data(),
                golden.data(), steps, tolerance.atol(), tolerance.rtol()) : -1;
        List<Path> artifacts = writeArtifacts(name, actual, golden.data());
        writeResult(name, "failed", actual, current, selected, tolerance, golden.data(), firstStep, artifacts);
        String message = GoldenMessages.mismatch(new GoldenMessages.Mismatch(origin, actual, current, location,
                selected, tolerance, result, golden.data(), firstStep, stepLinf, artifacts == null
                ? "none written (" + artifactsError + ")"
                : artifacts.stream().map(Path::toString).collect(Collectors.joining(", "))));
        throw new GoldenAssertionError(message, GoldenMessages.summary(actual, golden.data(), result.maxAbsIndex()),
                GoldenMessages.summary(actual, actual.data(), result.maxAbsIndex()));
    }

    private void record(String name, ActualTensor actual, Platform current, GoldenMessages.Origin origin,
                        Map<String, String> assertionSettings) {
        if (!config.mayWrite()) {
            throw new GoldenAssertionError(origin.header() + GoldenMessages.ciRefusal(name));
        }
        String variant = switch (config.recordAs()) {
            case DEVICE -> current.deviceKey();
            case DEVICE_TYPE -> current.deviceType();
            default -> GoldenStore.DEFAULT_VARIANT;
        };
        Optional<Seeds> seeds = SeededExtension.storedSeeds(context);
        GoldenManifest.Variant provenance = new GoldenManifest.Variant(null, null, actual.dtype(), actual.shape(),
                actual.trajectory(), null, TestCommands.qualifiedTestId(context),
                seeds.map(Seeds::values).orElse(null),
                seeds.map(s -> s.source().label).orElse(null), settings(assertionSettings),
                DeterministicExtension.isDeterministic(context),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), current);
        try {
            Path file = store.record(name, variant, actual, provenance);
            usage.read(store, file);
            writeResult(name, "recorded", actual, current, variant);
            context.publishReportEntry("reprodiff.golden." + name, GoldenMessages.recorded(name, variant, file));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot record golden \"" + name + "\" in " + store.dir() + ": " + e, e);
        }
    }

    private synchronized Map<String, String> settings(Map<String, String> assertionSettings) {
        Map<String, String> all = new TreeMap<>(settings);
        all.putAll(assertionSettings);
        return all.isEmpty() ? null : all;
    }

    private String missingReason(String name) {
        Optional<GoldenManifest> manifest = store.readManifest(name);
        return manifest.isEmpty() ? store.manifestFile(name) + " does not exist"
                : store.manifestFile(name) + " has no default variant and none for this device or device type"
                + " (it has " + String.join(", ", manifest.get().variants.keySet()) + ")";
    }

    /** The artifacts written, or null (and {@link #artifactsError} set) when they could not be. */
    private List<Path> writeArtifacts(String name, ActualTensor actual, float[] golden) {
        Path folder = config.artifacts().resolve(TestCommands.testId(context).replace('#', '/'));
        try {
            List<Path> files = Artifacts.write(folder, name, actual, golden);
            files.forEach(this::publish);
            return files;
        } catch (IOException | RuntimeException e) {
            artifactsError = e.toString();
            return null;
        }
    }

    /** The per-golden result file for reports; a passing image-shaped golden gets its pictures there too. */
    private void writeResult(String name, String status, ActualTensor actual, Platform current,
                             GoldenStore.Selected selected, Tolerance tolerance, float[] golden, int firstStep,
                             List<Path> artifacts) {
        List<Path> images = artifacts;
        long[] last = actual.trajectory() ? java.util.Arrays.copyOfRange(actual.shape(), 1, actual.shape().length)
                : actual.shape();
        if (images != null && images.isEmpty() && Artifacts.imageShape(last) != null) {
            Path folder = config.artifacts().resolve(GoldenResult.FOLDER).resolve("images")
                    .resolve(TestCommands.testId(context).replace('#', '/'));
            try {
                images = Artifacts.write(folder, name, actual, golden);
            } catch (IOException | RuntimeException e) {
                images = List.of();
            }
        }
        TensorComparison.Result r = TensorComparison.compare(actual.data(), golden, tolerance.atol(),
                tolerance.rtol());
        Optional<Seeds> seeds = SeededExtension.storedSeeds(context);
        writeResult(new GoldenResult(
                GoldenResult.FORMAT, name, TestCommands.testId(context), status, store.dir().toString(),
                selected.key(), selected.choice(), actual.dtype(), actual.shape(),
                seeds.map(Seeds::values).orElse(null), seeds.map(s -> s.source().label).orElse(null),
                DeterministicExtension.isDeterministic(context), r.maxAbs(), tolerance.atol(), tolerance.rtol(),
                tolerance.source(), tolerance.used(actual.data(), golden), r.mismatched(),
                r.total(), firstStep < 0 ? null : firstStep, current, selected.variant().platform(),
                images == null ? List.of() : images.stream().filter(p -> p.toString().endsWith(".png"))
                        .map(Path::toString).toList()));
    }

    /** Recordings and missing goldens get a result file without a comparison. */
    private void writeResult(String name, String status, ActualTensor actual, Platform current, String variant) {
        Optional<Seeds> seeds = SeededExtension.storedSeeds(context);
        writeResult(new GoldenResult(
                GoldenResult.FORMAT, name, TestCommands.testId(context), status, store.dir().toString(), variant,
                null, actual.dtype(), actual.shape(), seeds.map(Seeds::values).orElse(null),
                seeds.map(s -> s.source().label).orElse(null), DeterministicExtension.isDeterministic(context),
                null, null, null, null, null, null, null, null, current, null, List.of()));
    }

    /** Writes a result file for reports; a failure to write never fails the test. */
    private void writeResult(GoldenResult result) {
        try {
            result.write(config.artifacts());
        } catch (IOException | RuntimeException e) {
            System.err.println("reprodiff: cannot write the result of golden \"" + result.golden() + "\": " + e);
        }
    }

    /** A report entry with the path, and the file itself attached to the test report (JUnit 5.12+). */
    private void publish(Path file) {
        context.publishReportEntry("reprodiff.artifact", file.toString());
        MediaType type = file.toString().endsWith(".png") ? MediaType.IMAGE_PNG : MediaType.APPLICATION_OCTET_STREAM;
        try {
            context.publishFile(file.getFileName().toString(), type, target -> Files.copy(file, target));
        } catch (RuntimeException e) {
            // A launcher without an output directory: the report entry and the file under target/reprodiff stay.
        }
    }

    private GoldenMessages.Origin origin(String description) {
        Optional<Seeds> seeds = SeededExtension.storedSeeds(context);
        return new GoldenMessages.Origin(description == null || description.isBlank() ? TestCommands.testId(context)
                : description, seeds.map(Seeds::describe).orElse(null),
                TestCommands.replay(context, seeds.orElse(null)), TestCommands.record(context, seeds.orElse(null)));
    }
}
