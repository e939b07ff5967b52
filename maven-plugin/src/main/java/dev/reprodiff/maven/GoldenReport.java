package dev.reprodiff.maven;

import dev.reprodiff.golden.Calibration;
import dev.reprodiff.golden.GoldenFiles;
import dev.reprodiff.golden.GoldenInventory;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.RunUsage;
import dev.reprodiff.golden.ToleranceProfile;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The report of {@code reprodiff:report} and {@code reprodiff:report-aggregate}: one row per golden and test, one
 * column per platform the results were computed on, so that the result folders of several modules and of several CI
 * jobs (a matrix over GPU runners) read as one table. Written as {@code report.json} and rendered by
 * {@link ReportPage}; a source that cannot be read becomes a problem listed in the report, never a missing report.
 *
 * @param platforms the columns, in the order first seen
 * @param stale results of tests that did not run this time (Surefire's reports do not list them)
 * @param notes one line per golden folder whose unread goldens were not checked (a partial run)
 * @param problems files that cannot be used, each named with the reason
 * @param calibrated what {@code reprodiff:calibrate} observed, by {@link #calibrationKey golden and pair}, from the
 *        golden folders' {@code calibration.json}
 */
record GoldenReport(String format, String project, List<String> platforms, List<Row> rows, List<Row> stale,
                    List<String> unread, List<String> notes, List<String> problems, List<TestCase> tests,
                    Map<String, Calibration.Entry> calibrated) {

    static final String FORMAT = "reprodiff-report/2";

    /** One golden checked by one test invocation, by platform. */
    record Row(String module, String golden, String test, Map<String, GoldenResult> cells) {
    }

    /** One Surefire test case. */
    record TestCase(String className, String name, String time, String status, String message, String detail) {
    }

    /**
     * Where one module's (or one CI job's) files are.
     *
     * @param basedir the module's folder, against which the tests' relative paths resolve; null for a download
     * @param artifacts a folder holding result files at any depth (an artifacts folder, or one downloaded from CI)
     * @param surefireReports Surefire's reports folder, or null
     * @param goldenDir the module's golden folder, or null where it is not at hand (a downloaded folder)
     */
    record Source(String module, Path basedir, Path artifacts, Path surefireReports, Path goldenDir) {
    }

    /** Reads every source; copies the images into {@code out/images}. */
    static GoldenReport build(String project, List<Source> sources, Path out) throws IOException {
        Builder builder = new Builder(out);
        for (Source source : sources) {
            builder.add(source);
        }
        return builder.report(project);
    }

    /** {@code <golden> <pair>}: the key of {@link #calibrated}. */
    static String calibrationKey(String golden, String pair) {
        return golden + " " + pair;
    }

    /** The calibration of a compared result's golden on its pair of platforms, if one was made. */
    Optional<Calibration.Entry> calibration(GoldenResult result) {
        GoldenResult.Comparison c = result.comparison();
        if (c == null || c.recorded() == null || result.subject().current() == null || calibrated == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(calibrated.get(calibrationKey(result.subject().golden(),
                ToleranceProfile.pair(c.recorded(), result.subject().current()))));
    }

    /** Whether a row needs a reader first: a failed, missing, corrupt or discarded golden on any platform. */
    static boolean isFailure(Row row) {
        return row.cells().values().stream().anyMatch(r -> r.status() == GoldenResult.Status.FAILED
                || r.status() == GoldenResult.Status.MISSING || r.status() == GoldenResult.Status.CORRUPT
                || r.status() == GoldenResult.Status.DISCARDED);
    }

    /** The largest share of its tolerance a row's comparisons used (0 without comparisons). */
    static double nearness(Row row) {
        return row.cells().values().stream().filter(r -> r.comparison() != null)
                .mapToDouble(r -> Double.isNaN(r.comparison().toleranceUsed()) ? Double.POSITIVE_INFINITY
                        : r.comparison().toleranceUsed()).max().orElse(0);
    }

    /** Failures first, then the goldens nearest their tolerance, then by module, golden and test. */
    static final Comparator<Row> READING_ORDER = Comparator.comparing((Row r) -> !isFailure(r))
            .thenComparing(Comparator.comparingDouble(GoldenReport::nearness).reversed())
            .thenComparing(Row::module).thenComparing(Row::golden).thenComparing(Row::test);

    long count(GoldenResult.Status status) {
        return rows.stream().flatMap(r -> r.cells().values().stream()).filter(r -> r.status() == status).count();
    }

    private static final class Builder {

        private final Path out;
        private final Map<String, Row> rows = new TreeMap<>();
        private final Map<String, Row> stale = new TreeMap<>();
        private final Set<String> platforms = new LinkedHashSet<>();
        private final List<String> unread = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private final List<TestCase> tests = new ArrayList<>();
        private final Map<String, Calibration.Entry> calibrated = new TreeMap<>();

        Builder(Path out) {
            this.out = out;
        }

        void add(Source source) throws IOException {
            List<TestCase> surefire = readSurefire(source.surefireReports());
            tests.addAll(surefire);
            Set<String> ran = testsThatRan(surefire);
            RecordingReport.ResultFiles files = RecordingReport.ResultFiles.read(source.artifacts());
            files.unreadable().forEach(f -> problems.add("unreadable result file " + f));
            Set<String> read = new TreeSet<>();
            for (GoldenResult result : files.results()) {
                boolean current = ran.isEmpty() || ran.contains(result.subject().test());
                GoldenResult copied = withImagesCopied(result, source);
                place(current ? rows : stale, source, copied);
                if (current) {
                    read.add(RunUsage.key(result.subject().golden(), variant(result)));
                }
            }
            if (source.goldenDir() != null) {
                unread(source, read);
                calibration(source.goldenDir());
            }
        }

        /** The golden folder's {@code calibration.json}, if calibrated; one that cannot be read is a problem. */
        private void calibration(Path goldenDir) {
            Path file = goldenDir.resolve(GoldenProperties.DEFAULT_CALIBRATION_FILE);
            if (!Files.isRegularFile(file)) {
                return;
            }
            try {
                Calibration calibration = Calibration.read(file);
                if (calibration == null) {
                    problems.add(file + ": not a calibration file of format " + Calibration.FORMAT);
                    return;
                }
                calibration.goldens().forEach(e -> calibrated.put(calibrationKey(e.golden(), e.pair()), e));
            } catch (IOException | RuntimeException e) {
                problems.add(file + ": cannot be read (" + e.getMessage() + ")");
            }
        }

        private void place(Map<String, Row> into, Source source, GoldenResult result) {
            String module = result.subject().module() == null || result.subject().module().isEmpty()
                    ? source.module() : result.subject().module();
            String test = RecordingReport.test(result);
            String platform = result.subject().current() == null ? "unknown platform"
                    : result.subject().current().label();
            platforms.add(platform);
            Row row = into.computeIfAbsent(module + "\u0000" + result.subject().golden() + "\u0000" + test,
                    k -> new Row(module, result.subject().golden(), test, new LinkedHashMap<>()));
            row.cells().merge(platform, result, (a, b) -> severity(b) > severity(a) ? b : a);
        }

        /** The goldens of the source's folder that no current result and no fork's usage read. */
        private void unread(Source source, Set<String> read) throws IOException {
            GoldenInventory inventory = GoldenInventory.scan(source.goldenDir());
            inventory.problems().forEach(p -> problems.add(p.file() + ": " + p.reason()));
            inventory.orphans().forEach(o -> problems.add(source.goldenDir().resolve(o) + ": no manifest"
                    + " references it (left by an interrupted recording)"));
            Optional<RunUsage> usage = Optional.empty();
            Optional<Path> latest = RunUsage.latestRun(source.artifacts());
            if (latest.isPresent()) {
                usage = RunUsage.merged(latest.get());
            }
            if (usage.isPresent() && usage.get().partial() != null) {
                notes.add(source.goldenDir() + ": partial run (" + usage.get().partial() + "), unread goldens not"
                        + " checked");
                return;
            }
            Set<String> all = new TreeSet<>(read);
            usage.ifPresent(u -> u.read().getOrDefault(source.goldenDir().toAbsolutePath().normalize().toString(),
                    Set.of()).forEach(all::add));
            inventory.unread(all).forEach(key -> unread.add(source.module().isEmpty() ? RunUsage.label(key)
                    : source.module() + ": " + RunUsage.label(key)));
        }

        /** The result, its PNGs copied next to the page (so that the folder can be archived as is). */
        private GoldenResult withImagesCopied(GoldenResult result, Source source) throws IOException {
            GoldenResult.Comparison comparison = result.comparison();
            if (comparison == null || comparison.images() == null || comparison.images().isEmpty()) {
                return result;
            }
            List<String> copied = new ArrayList<>();
            for (String image : comparison.images()) {
                Optional<Path> file = locate(Path.of(image), source);
                if (file.isPresent()) {
                    String name = "images/" + Integer.toHexString(file.get().toAbsolutePath().toString().hashCode())
                            + "-" + file.get().getFileName();
                    Files.createDirectories(out.resolve("images"));
                    Files.copy(file.get(), out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    copied.add(name);
                }
            }
            return new GoldenResult(result.format(), result.status(), result.subject(), new GoldenResult.Comparison(
                    comparison.variant(), comparison.choice(), comparison.recorded(), comparison.linf(),
                    comparison.atol(), comparison.rtol(), comparison.toleranceSource(), comparison.toleranceUsed(),
                    comparison.mismatched(), comparison.total(), comparison.firstStepOutOfTolerance(),
                    comparison.stepLinf(), copied, comparison.calibrated()), result.recording(), result.message());
        }

        /**
         * An image path as the test JVM wrote it: relative to the module (or absolute) where the module is at hand,
         * else relative to the downloaded folder, which holds the artifacts folder's content.
         */
        private static Optional<Path> locate(Path image, Source source) {
            List<Path> candidates = new ArrayList<>();
            candidates.add(source.basedir() == null ? image : source.basedir().resolve(image));
            Path artifacts = source.artifacts();
            for (int i = 0; i < image.getNameCount(); i++) {
                candidates.add(artifacts.resolve(image.subpath(i, image.getNameCount()).toString()));
            }
            return candidates.stream().filter(Files::isRegularFile).findFirst();
        }

        GoldenReport report(String project) {
            return new GoldenReport(FORMAT, project, List.copyOf(platforms), rows.values().stream()
                    .sorted(READING_ORDER).toList(), stale.values().stream().sorted(READING_ORDER).toList(), unread,
                    notes, problems, tests, Map.copyOf(calibrated));
        }

        private static String variant(GoldenResult result) {
            return result.recording() != null ? result.recording().variant()
                    : result.comparison() != null ? result.comparison().variant() : "";
        }

        /** Which of two results for one cell to show: the one a reader must see. */
        private static int severity(GoldenResult result) {
            return switch (result.status()) {
                case CORRUPT -> 5;
                case FAILED -> 4;
                case MISSING -> 3;
                case DISCARDED -> 2;
                case PASSED -> 1;
                case RECORDED -> 0;
            };
        }
    }

    /** {@code Outer$Inner#method} of every test Surefire ran (not skipped), as the extension names tests. */
    static Set<String> testsThatRan(List<TestCase> tests) {
        Set<String> ran = new TreeSet<>();
        for (TestCase test : tests) {
            if (!"skipped".equals(test.status())) {
                String name = test.name();
                ran.add(test.className().substring(test.className().lastIndexOf('.') + 1) + "#"
                        + (name.contains("(") ? name.substring(0, name.indexOf('(')) : name));
            }
        }
        return ran;
    }

    /** One entry per Surefire test case; an unreadable report is skipped (Surefire's own output names it). */
    static List<TestCase> readSurefire(Path dir) throws IOException {
        List<TestCase> tests = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return tests;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml"))
                    .sorted(Comparator.naturalOrder()).toList()) {
                try {
                    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
                    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                    Document document = factory.newDocumentBuilder().parse(file.toFile());
                    NodeList cases = document.getElementsByTagName("testcase");
                    for (int i = 0; i < cases.getLength(); i++) {
                        tests.add(testCase((Element) cases.item(i)));
                    }
                } catch (Exception e) {
                    // a half-written report of a crashed fork
                }
            }
        }
        return tests;
    }

    private static TestCase testCase(Element element) {
        for (String outcome : List.of("failure", "error", "skipped")) {
            NodeList nodes = element.getElementsByTagName(outcome);
            if (nodes.getLength() > 0) {
                Element node = (Element) nodes.item(0);
                return new TestCase(element.getAttribute("classname"), element.getAttribute("name"),
                        element.getAttribute("time"), outcome.equals("skipped") ? "skipped" : "failed",
                        node.getAttribute("message"), node.getTextContent());
            }
        }
        return new TestCase(element.getAttribute("classname"), element.getAttribute("name"),
                element.getAttribute("time"), "passed", null, null);
    }

    /** {@code report.json} and {@code index.html} in {@code out}. */
    void write(Path out) throws IOException {
        Files.createDirectories(out);
        Files.write(out.resolve("report.json"), GoldenFiles.JSON.writeValueAsBytes(this));
        Files.writeString(out.resolve("index.html"), ReportPage.render(this));
    }
}
