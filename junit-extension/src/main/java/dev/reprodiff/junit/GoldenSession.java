package dev.reprodiff.junit;

import dev.reprodiff.golden.CalibrationObservation;
import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.GoldenMode;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.Platform;
import dev.reprodiff.golden.ToleranceRule;
import dev.reprodiff.random.Generator;
import org.junit.jupiter.api.MediaType;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

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
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The golden work of one test invocation: comparing, staging recordings, and committing them when the test has
 * passed (the store closes the session after every {@code afterEach}, as it closes {@code @TempDir} folders), and the
 * outputs captured for {@code @Deterministic(repeat = ...)}.
 */
final class GoldenSession implements AutoCloseable {

    static final Namespace NAMESPACE = Namespace.create(GoldenExtension.class);
    private static final ThreadLocal<GoldenSession> BOUND = new ThreadLocal<>();

    private final ExtensionContext context;
    private final GoldenSettings settings;
    private final GoldenStore store;
    private final GoldenRun run;
    private final List<Captured> captures = new ArrayList<>();
    private final Map<String, String> pipelineSettings = new LinkedHashMap<>();
    private final Map<String, Staged> staged = new LinkedHashMap<>();
    private Facts facts;
    private List<Object> arguments = List.of();
    private String artifactsError;
    private boolean capturingGoldens;

    /** An output that went through the golden API, for {@code @Deterministic(repeat = ...)}. */
    record Captured(String name, ActualTensor tensor) {
    }

    /** Restores the previously bound session. */
    interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    /** The invocation's facts, gathered once: who it is, its seeds and determinism, the commands it prints. */
    private record Facts(String testId, String test, String invocation, Seeds seeds, boolean deterministic,
                         String replay, String record, String recordMissing) {
    }

    /** A recording waiting for the test to pass. */
    private record Staged(String name, String variant, ActualTensor tensor, GoldenManifest.Provenance provenance,
                          GoldenResult.Subject subject) {
    }

    private GoldenSession(ExtensionContext context) {
        this.context = context;
        this.settings = GoldenSettings.from(context);
        this.store = new GoldenStore(settings.dir());
        this.run = GoldenRun.of(context, settings);
        if (settings.mode().records()) {
            run.started(context.getUniqueId(), TestCommands.qualifiedTestId(context));
        }
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

    /** The invocation's arguments, for naming a duplicate golden after them. */
    void arguments(List<Object> arguments) {
        this.arguments = List.copyOf(arguments.stream().filter(a -> a != null).toList());
    }

    Path directory() {
        return settings.dir();
    }

    /** A pipeline setting recorded in the manifest of every golden this invocation records. */
    synchronized void setting(String key, Object value) {
        pipelineSettings.put(key, String.valueOf(value));
    }

    /** Keeps a copy of {@code tensor} (later writes to the caller's array cannot change it). */
    synchronized void capture(String name, ActualTensor tensor) {
        captures.add(new Captured(name, tensor.copy()));
    }

    /**
     * From now on, outputs that go through a golden are captured too, for {@code @Deterministic(repeat = ...)} to
     * compare between runs; other tests do not pay for a copy of every tensor they verify.
     */
    synchronized void captureGoldens() {
        capturingGoldens = true;
    }

    /** The outputs captured so far, leaving none: each run of a repeated test starts empty. */
    synchronized List<Captured> takeCaptures() {
        List<Captured> taken = new ArrayList<>(captures);
        captures.clear();
        return taken;
    }

    /** Compares {@code actual} with golden {@code name}, or stages it for recording, as the mode says. */
    void verify(String name, ActualTensor actual, String description) {
        verify(name, actual, description, Map.of());
    }

    void verify(String name, ActualTensor actual, String description, Map<String, String> assertionSettings) {
        GoldenStore.checkName(name);
        synchronized (this) {
            if (capturingGoldens) {
                capture(name, actual);
            }
        }
        store.removeLeftovers();
        GoldenMessages.Origin origin = origin(description);
        Platform current = Platform.current(actual.deviceType(), actual.deviceId());
        GoldenResult.Subject subject = subject(name, actual, current);
        if (settings.mode() == GoldenMode.CALIBRATE) {
            calibrate(name, actual, current, subject);
            return;
        }
        if (settings.mode() == GoldenMode.RECORD) {
            // Not reading the old golden first: recording is how a corrupt one gets replaced.
            stage(name, actual, current, origin, subject, assertionSettings);
            return;
        }
        Optional<GoldenStore.Selected> selected = readOrReport(subject, () -> store.select(name, current,
                settings.variant()));
        if (selected.isEmpty() && settings.mode() == GoldenMode.RECORD_MISSING && settings.mayWrite()) {
            stage(name, actual, current, origin, subject, assertionSettings);
            return;
        }
        if (selected.isEmpty()) {
            String reason = missingReason(name);
            writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.MISSING, subject, null, null,
                    reason));
            boolean ciRefused = settings.mode() == GoldenMode.RECORD_MISSING;   // here only when CI refused
            throw new GoldenAssertionError(GoldenMessages.missing(origin, name, reason, facts().recordMissing(),
                    ciRefused));
        }
        refuseRecordedByAnotherInThisRun(name, selected.get(), origin);
        compare(name, actual, current, selected.get(), origin, subject);
    }

    /**
     * The one comparison: the golden's file is read once, its checksum and the summary of every element computed in
     * the same pass; the summary goes to the result file, and only a failure reads the golden again for the details
     * its message reports.
     */
    private void compare(String name, ActualTensor actual, Platform current, GoldenStore.Selected selected,
                         GoldenMessages.Origin origin, GoldenResult.Subject subject) {
        run.read(store.dir(), name, selected.key());
        GoldenManifest.Variant variant = selected.variant();
        String location = store.file(selected) + "#" + variant.tensor();
        if (!Arrays.equals(variant.shape(), actual.shape()) || variant.trajectory() != actual.trajectory()) {
            String message = GoldenMessages.shapeMismatch(origin, actual, location, variant.dtype(),
                    variant.shape());
            writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.FAILED, subject, null, null,
                    message));
            throw new GoldenAssertionError(message);
        }
        Tolerance tolerance = readOrReport(subject, () -> Tolerances.resolve(store.dir(), settings.tolerances(), name,
                actual.dtype(), variant.platform(), current, facts().deterministic()));
        TensorComparison.Accumulator accumulator = new TensorComparison.Accumulator(actual.data(), actual.steps(),
                actual.trajectory(), tolerance.atol(), tolerance.rtol());
        readOrReport(subject, () -> {
            store.stream(selected, accumulator::accept);
            return null;
        });
        TensorComparison.Verdict verdict = accumulator.verdict();
        if (verdict.summary().passed()) {
            context.publishReportEntry("reprodiff.golden." + name, selected.key() + " within " + tolerance.rule()
                    + " (" + tolerance.source() + ")");
            List<Artifacts.Artifact> images = settings.artifactsAlways()
                    ? writeArtifacts(name, actual, store.load(selected).data()).orElse(List.of()) : List.of();
            writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.PASSED, subject,
                    comparison(selected, tolerance, verdict, actual, images), null, null));
            return;
        }
        float[] golden = readOrReport(subject, () -> store.load(selected)).data();
        TensorComparison.Result result = TensorComparison.compare(actual.data(), golden, tolerance.atol(),
                tolerance.rtol());
        Optional<List<Artifacts.Artifact>> artifacts = writeArtifacts(name, actual, golden);
        String message = GoldenMessages.mismatch(new GoldenMessages.Mismatch(origin, actual, current, location,
                selected, tolerance, result, golden, verdict.steps(), artifacts
                .map(list -> list.stream().map(a -> a.file().toString()).collect(Collectors.joining(", ")))
                .orElse("none written (" + artifactsError + ")")));
        writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.FAILED, subject,
                comparison(selected, tolerance, verdict, actual, artifacts.orElse(List.of())), null, null));
        throw new GoldenAssertionError(message, GoldenMessages.summary(actual, golden, result.maxAbsIndex()),
                GoldenMessages.summary(actual, actual.data(), result.maxAbsIndex()));
    }

    /**
     * In a calibration run: measures {@code actual} against the recorded golden and writes what it observed, never
     * failing the test on the difference (the observations are the run's outcome); a missing or unreadable golden is
     * an observation too, that says why nothing was compared.
     */
    private void calibrate(String name, ActualTensor actual, Platform current, GoldenResult.Subject subject) {
        CalibrationRun calibration = CalibrationRun.of(context).orElseThrow();
        CalibrationObservation observation;
        try {
            observation = observe(name, actual, current, subject, calibration);
        } catch (GoldenException e) {
            observation = new CalibrationObservation(CalibrationObservation.FORMAT, calibration.run(),
                    calibration.variation(), subject, null, null, null, 0, 0, null, null, null, null, e.getMessage());
        }
        try {
            observation.write(settings.artifacts());
        } catch (IOException | RuntimeException e) {
            System.err.println("reprodiff: cannot write the calibration observation of golden \"" + name + "\": "
                    + e);
        }
    }

    private CalibrationObservation observe(String name, ActualTensor actual, Platform current,
                                           GoldenResult.Subject subject, CalibrationRun calibration) {
        Optional<GoldenStore.Selected> found = store.select(name, current, settings.variant());
        if (found.isEmpty()) {
            return new CalibrationObservation(CalibrationObservation.FORMAT, calibration.run(),
                    calibration.variation(), subject, null, null, null, 0, 0, null, null, null, null,
                    missingReason(name));
        }
        GoldenStore.Selected selected = found.get();
        run.read(store.dir(), name, selected.key());
        GoldenManifest.Variant variant = selected.variant();
        if (!Arrays.equals(variant.shape(), actual.shape()) || variant.trajectory() != actual.trajectory()) {
            return new CalibrationObservation(CalibrationObservation.FORMAT, calibration.run(),
                    calibration.variation(), subject, selected.key(), variant.platform(), null, 0, 0, null, null,
                    null, null, "not compared: the golden is " + variant.dtype()
                    + ActualTensor.format(variant.shape()) + (variant.trajectory() ? " (a trajectory)" : "")
                    + ", the computed tensor " + actual.dtype() + ActualTensor.format(actual.shape())
                    + (actual.trajectory() ? " (a trajectory)" : ""));
        }
        String pair = Tolerances.pair(variant.platform(), current);
        ToleranceRule rule = Tolerances.rule(store.dir().resolve(settings.tolerances()), name, pair, actual.dtype());
        float[] golden = store.load(selected).data();
        TensorComparison.Spread spread = TensorComparison.spread(actual.data(), golden, actual.steps(),
                actual.trajectory());
        if (spread.nonFinite() > 0) {
            return new CalibrationObservation(CalibrationObservation.FORMAT, calibration.run(),
                    calibration.variation(), subject, selected.key(), variant.platform(), pair, 0, 0, null,
                    spread.sha256(), spread.stepSha256(), rule, "not compared: " + spread.nonFinite()
                    + " elements are NaN or infinite on one side only, or NaN on both");
        }
        double relative = spread.linf() == 0 ? 0 : spread.goldenMaxAbs() == 0 ? Double.MAX_VALUE
                : spread.linf() / spread.goldenMaxAbs();
        return new CalibrationObservation(CalibrationObservation.FORMAT, calibration.run(), calibration.variation(),
                subject, selected.key(), variant.platform(), pair, spread.linf(), relative, spread.stepLinf(),
                spread.sha256(), spread.stepSha256(), rule, null);
    }

    private static GoldenResult.Comparison comparison(GoldenStore.Selected selected, Tolerance tolerance,
                                                      TensorComparison.Verdict verdict, ActualTensor actual,
                                                      List<Artifacts.Artifact> artifacts) {
        TensorComparison.Steps steps = verdict.steps();
        return new GoldenResult.Comparison(selected.key(), selected.choice(), selected.variant().platform(),
                verdict.summary().linf(), tolerance.atol(), tolerance.rtol(), tolerance.source(),
                verdict.summary().used(), verdict.summary().mismatched(), actual.data().length,
                steps == null || steps.firstOutOfTolerance() < 0 ? null : steps.firstOutOfTolerance(),
                steps == null ? null : steps.linf(), artifacts.stream().map(a -> a.file().toString())
                .filter(f -> f.endsWith(".png")).toList(), tolerance.calibrated());
    }

    /** Keeps the tensor until the test has passed ({@link #close}), refusing non-finite values and duplicates. */
    private void stage(String name, ActualTensor actual, Platform current, GoldenMessages.Origin origin,
                       GoldenResult.Subject subject, Map<String, String> assertionSettings) {
        if (!settings.mayWrite()) {
            throw new GoldenAssertionError(origin.header() + GoldenMessages.ciRefusal(name));
        }
        long[] nonFinite = TensorComparison.nonFinite(actual.data());
        if (nonFinite[0] > 0 && !settings.allowNonFinite()) {
            throw new GoldenAssertionError(GoldenMessages.nonFiniteRefused(origin, name, actual, nonFinite[0],
                    nonFinite[1]));
        }
        String variant = settings.variantOn(current);
        Optional<String> other = run.claim(store.dir(), name, variant, context.getUniqueId(), facts().test());
        if (other.isPresent()) {
            throw new GoldenAssertionError(GoldenMessages.duplicate(origin, name, variant, other.get(),
                    facts().test(), suggestion(name)));
        }
        Seeds seeds = facts().seeds();
        GoldenManifest.Provenance provenance = new GoldenManifest.Provenance(actual.dtype(), actual.shape(),
                actual.trajectory(), facts().test(), seeds == null ? null : seeds.values(),
                seeds == null ? null : seeds.source().label, settings(assertionSettings), facts().deterministic(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), settings.run(), current);
        synchronized (this) {
            // A copy: the test may reuse its array before the recording is committed.
            staged.put(name + "@" + variant, new Staged(name, variant, actual.copy(), provenance, subject));
        }
        run.staged(context.getUniqueId(), name);
    }

    /**
     * Commits the staged recordings if the test passed ({@code getExecutionException()} is empty, as for
     * {@code @TempDir(cleanup = ON_SUCCESS)}), else discards them; the store calls this after every
     * {@code afterEach}, so a failure anywhere in the test's lifecycle keeps its goldens unwritten.
     */
    @Override
    public void close() {
        Optional<Throwable> failure = context.getExecutionException();
        List<Throwable> errors = new ArrayList<>();
        for (Staged recording : stagedRecordings()) {
            if (failure.isPresent()) {
                writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.DISCARDED, recording.subject(),
                        null, null, "not written: the test failed (" + failure.get() + ")"));
                continue;
            }
            try {
                commit(recording);
            } catch (GoldenException e) {
                writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.DISCARDED, recording.subject(),
                        null, null, "not written: " + e.getMessage()));
                errors.add(new GoldenAssertionError(e.getMessage()));
            } catch (IOException e) {
                errors.add(new UncheckedIOException("Cannot record golden \"" + recording.name() + "\" in "
                        + store.dir() + ": " + e, e));
            }
        }
        if (settings.mode().records()) {
            run.finished(context.getUniqueId());
        }
        if (!errors.isEmpty()) {
            Throwable first = errors.get(0);
            errors.subList(1, errors.size()).forEach(first::addSuppressed);
            if (first instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) first;
        }
    }

    private synchronized List<Staged> stagedRecordings() {
        List<Staged> all = new ArrayList<>(staged.values());
        staged.clear();
        return all;
    }

    private void commit(Staged recording) throws IOException {
        GoldenStore.Written written = store.record(recording.name(), recording.variant(), recording.tensor(),
                recording.provenance());
        run.read(store.dir(), recording.name(), recording.variant());
        writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.RECORDED, recording.subject(), null,
                new GoldenResult.Recording(recording.variant(), written.change(),
                        written.file().toAbsolutePath().normalize().toString(),
                        written.bytes()), null));
        context.publishReportEntry("reprodiff.golden." + recording.name(),
                GoldenMessages.recorded(recording.name(), recording.variant(), written.file()));
    }

    /** In record-missing mode, a golden that another test recorded in this run is a duplicate, not a reference. */
    private void refuseRecordedByAnotherInThisRun(String name, GoldenStore.Selected selected,
                                                  GoldenMessages.Origin origin) {
        GoldenManifest.Variant variant = selected.variant();
        if (settings.mode() == GoldenMode.RECORD_MISSING && settings.run().equals(variant.run())
                && !facts().test().equals(variant.test())) {
            throw new GoldenAssertionError(GoldenMessages.duplicate(origin, name, selected.key(), variant.test(),
                    facts().test(), suggestion(name)));
        }
    }

    /** A golden that cannot be read gets a result file saying so (for the report) before the test fails. */
    private <T> T readOrReport(GoldenResult.Subject subject, Supplier<T> read) {
        try {
            return read.get();
        } catch (GoldenException e) {
            writeResult(new GoldenResult(GoldenResult.FORMAT, GoldenResult.Status.CORRUPT, subject, null, null,
                    e.getMessage()));
            throw e;
        }
    }

    private GoldenResult.Subject subject(String name, ActualTensor actual, Platform current) {
        Seeds seeds = facts().seeds();
        return new GoldenResult.Subject(settings.run(), MavenModule.path(), name,
                store.dir().toAbsolutePath().normalize().toString(),
                facts().testId(), facts().invocation(), seeds == null ? null : seeds.values(),
                seeds == null ? null : seeds.source().label, facts().deterministic(), actual.dtype(), actual.shape(),
                actual.trajectory(), current);
    }

    private synchronized Facts facts() {
        if (facts == null) {
            Seeds seeds = InvocationFacts.seeds(context).orElse(null);
            facts = new Facts(TestCommands.testId(context), TestCommands.qualifiedTestId(context),
                    TestCommands.invocation(context), seeds, InvocationFacts.isDeterministic(context),
                    TestCommands.replay(context, seeds), TestCommands.record(context, seeds),
                    TestCommands.recordMissing(context, seeds));
        }
        return facts;
    }

    private GoldenMessages.Origin origin(String description) {
        Facts facts = facts();
        return new GoldenMessages.Origin(description == null || description.isBlank() ? facts.testId()
                : description, facts.seeds() == null ? null : facts.seeds().describe(), facts.replay(),
                facts.record());
    }

    /** {@code name-<first argument>}: the name a duplicate could take to be this invocation's own. */
    private String suggestion(String name) {
        for (Object argument : arguments) {
            if (!(argument instanceof Generator) && !(argument instanceof Golden) && !(argument instanceof List)) {
                String part = String.valueOf(argument).replaceAll("[^A-Za-z0-9_.-]+", "_");
                return part.isEmpty() ? null : name + "-" + part;
            }
        }
        return facts().invocation() == null ? null : name + "-" + facts().invocation().replaceAll("\\D", "");
    }

    private synchronized Map<String, String> settings(Map<String, String> assertionSettings) {
        Map<String, String> all = new TreeMap<>(pipelineSettings);
        all.putAll(assertionSettings);
        return all.isEmpty() ? null : all;
    }

    private String missingReason(String name) {
        Optional<GoldenManifest> manifest = store.readManifest(name);
        return manifest.isEmpty() ? store.manifestFile(name) + " does not exist"
                : store.manifestFile(name) + " has no default variant and none for this device or device type"
                + " (it has " + String.join(", ", manifest.get().variants.keySet()) + ")";
    }

    /** The artifacts written and attached, or empty (the reason kept for the message) when they could not be. */
    private Optional<List<Artifacts.Artifact>> writeArtifacts(String name, ActualTensor actual, float[] golden) {
        Path folder = settings.artifacts().resolve(TestCommands.testId(context).replace('#', '/'));
        try {
            List<Artifacts.Artifact> files = Artifacts.write(folder, name, actual, golden);
            files.forEach(artifact -> publish(name, artifact));
            return Optional.of(files);
        } catch (IOException | RuntimeException e) {
            artifactsError = e.toString();
            return Optional.empty();
        }
    }

    /** Writes a result file for the plugin's goals; a failure to write never fails the test. */
    private void writeResult(GoldenResult result) {
        try {
            result.write(settings.artifacts());
        } catch (IOException | RuntimeException e) {
            System.err.println("reprodiff: cannot write the result of golden \"" + result.subject().golden() + "\": "
                    + e);
        }
    }

    /**
     * A report entry with the path, and the file itself attached to the test report (JUnit 5.12+) under a name that
     * keeps the golden's folders, so that {@code a/x} and {@code b/x} do not collide.
     */
    private void publish(String name, Artifacts.Artifact artifact) {
        Path file = artifact.file();
        context.publishReportEntry("reprodiff.artifact", file.toString());
        MediaType type = file.toString().endsWith(".png") ? MediaType.IMAGE_PNG : MediaType.APPLICATION_OCTET_STREAM;
        try {
            context.publishFile(GoldenMessages.attachmentName(name, artifact.suffix()), type,
                    target -> Files.copy(file, target));
        } catch (RuntimeException e) {
            // A launcher without an output directory: the report entry and the file under target/reprodiff stay.
        }
    }
}
