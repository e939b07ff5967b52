package dev.reprodiff.maven;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reprodiff.golden.GoldenManifest;
import dev.reprodiff.golden.GoldenProperties;
import dev.reprodiff.golden.GoldenResult;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes {@code target/reprodiff/report/index.html} and its JSON twin {@code report.json} from the Surefire XML
 * reports and the golden result files the reprodiff JUnit extension wrote during the last test run: for every golden
 * its status, L-infinity, tolerance and headroom, platforms, seeds and, for image-shaped tensors, the expected,
 * actual and difference images; then the goldens no test read (obsolete, if the run was complete).
 *
 * <pre>{@code mvn verify; mvn reprodiff:report}</pre>
 */
@Mojo(name = "report", threadSafe = true)
public class ReportMojo extends AbstractMojo {

    static final String ARTIFACTS = GoldenProperties.ARTIFACTS_DIR;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    private org.apache.maven.execution.MavenSession session;

    @Parameter(property = "reprodiff.surefireReports", defaultValue = "${project.build.directory}/surefire-reports")
    private File surefireReports;

    /** The golden folder; by default the one the tests use. */
    @Parameter(property = "reprodiff.goldenDir")
    private File goldenDir;

    /** Where the extension wrote its artifacts and results; by default the one the tests use. */
    @Parameter(property = "reprodiff.artifactsDir")
    private File artifactsDir;

    @Parameter(property = "reprodiff.reportDir", defaultValue = "${project.build.directory}/reprodiff/report")
    private File outputDirectory;

    @Override
    public void execute() throws MojoExecutionException {
        SurefireSettings surefire = SurefireSettings.of(project, session.getUserProperties());
        Path goldens = goldenDir != null ? goldenDir.toPath() : surefire.path(project, RecordMojo.DIR,
                RecordMojo.DEFAULT_DIR);
        Path artifacts = artifactsDir != null ? artifactsDir.toPath() : surefire.path(project, ARTIFACTS,
                GoldenProperties.DEFAULT_ARTIFACTS_DIR);
        Path out = outputDirectory.toPath();
        try {
            Files.createDirectories(out.resolve("images"));
            ObjectNode report = MAPPER.createObjectNode();
            report.put("format", "reprodiff-report/1");
            report.put("project", project.getGroupId() + ":" + project.getArtifactId() + ":" + project.getVersion());
            report.put("golden_dir", goldens.toString());
            ArrayNode tests = report.putArray("tests");
            readSurefire(surefireReports.toPath()).forEach(tests::add);
            ArrayNode results = report.putArray("goldens");
            ArrayNode stale = report.putArray("stale_results");
            Set<String> ran = testsThatRan(tests);
            Set<String> read = new TreeSet<>();
            for (JsonNode result : readResults(artifacts.resolve(GoldenResult.FOLDER))) {
                ObjectNode copy = ((ObjectNode) result).deepCopy();
                copy.set("images", copyImages(result.path("images"), project.getBasedir().toPath(), out));
                if (!ran.isEmpty() && !ran.contains(result.path("test").asText())) {
                    stale.add(copy);   // its test was skipped or is gone: a leftover of an earlier run
                    continue;
                }
                results.add(copy);
                read.add(result.path("golden").asText());
            }
            ArrayNode obsolete = report.putArray("unread_goldens");
            allGoldens(goldens).stream().filter(g -> !read.contains(g)).forEach(obsolete::add);
            Files.write(out.resolve("report.json"), MAPPER.writeValueAsBytes(report));
            Files.writeString(out.resolve("index.html"), ReportPage.render(report), StandardCharsets.UTF_8);
            getLog().info(String.format("reprodiff report: %d goldens (%d failed), %d tests, %d unread goldens -> %s",
                    results.size(), count(results, "failed"), tests.size(), obsolete.size(),
                    out.resolve("index.html")));
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write the reprodiff report to " + out + ": " + e, e);
        }
    }

    /** {@code Outer$Inner#method} of every test Surefire ran (not skipped), as the extension names tests. */
    static Set<String> testsThatRan(ArrayNode tests) {
        Set<String> ran = new TreeSet<>();
        for (JsonNode test : tests) {
            if (!"skipped".equals(test.path("status").asText())) {
                String className = test.path("class").asText();
                String name = test.path("name").asText();
                ran.add(className.substring(className.lastIndexOf('.') + 1) + "#"
                        + (name.contains("(") ? name.substring(0, name.indexOf('(')) : name));
            }
        }
        return ran;
    }

    private static long count(ArrayNode results, String status) {
        long n = 0;
        for (JsonNode result : results) {
            n += status.equals(result.path("status").asText()) ? 1 : 0;
        }
        return n;
    }

    /** One entry per Surefire test case: class, name, time and status (with the failure message). */
    static List<ObjectNode> readSurefire(Path dir) throws MojoExecutionException {
        List<ObjectNode> tests = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return tests;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml")).sorted()
                    .toList()) {
                DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
                factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                Document document = factory.newDocumentBuilder().parse(file.toFile());
                NodeList cases = document.getElementsByTagName("testcase");
                for (int i = 0; i < cases.getLength(); i++) {
                    tests.add(testCase((Element) cases.item(i)));
                }
            }
        } catch (Exception e) {
            throw new MojoExecutionException("Cannot read the Surefire reports in " + dir + ": " + e, e);
        }
        return tests;
    }

    private static ObjectNode testCase(Element element) {
        ObjectNode test = MAPPER.createObjectNode();
        test.put("class", element.getAttribute("classname"));
        test.put("name", element.getAttribute("name"));
        test.put("time", element.getAttribute("time"));
        test.put("status", "passed");
        for (String outcome : List.of("failure", "error", "skipped")) {
            NodeList nodes = element.getElementsByTagName(outcome);
            if (nodes.getLength() > 0) {
                Element node = (Element) nodes.item(0);
                test.put("status", outcome.equals("skipped") ? "skipped" : "failed");
                test.put("message", node.getAttribute("message"));
                test.put("detail", node.getTextContent());
                break;
            }
        }
        return test;
    }

    /** The extension's {@code results/<test>/<golden>.json} files. */
    static List<JsonNode> readResults(Path dir) throws IOException {
        List<JsonNode> results = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return results;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode node = MAPPER.readTree(file.toFile());
                if (node != null && GoldenResult.FORMAT.equals(node.path("format").asText())) {
                    results.add(node);
                }
            }
        }
        return results;
    }

    /** Every golden name with a manifest in {@code dir}. */
    static Set<String> allGoldens(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                JsonNode node = MAPPER.readTree(file.toFile());
                if (node != null && GoldenManifest.FORMAT.equals(node.path("format").asText())) {
                    names.add(node.path("name").asText());
                }
            }
        }
        return names;
    }

    /** Copies each PNG into the report, so that the page stands alone; returns {kind: relative path}. */
    private static ObjectNode copyImages(JsonNode images, Path basedir, Path out) throws IOException {
        Map<String, String> copied = new TreeMap<>();
        for (JsonNode image : images) {
            Path source = basedir.resolve(image.asText());   // relative to the test JVM's working folder
            if (!Files.isRegularFile(source)) {
                continue;
            }
            String name = source.getFileName().toString();
            String kind = name.endsWith(".expected.png") ? "expected" : name.endsWith(".actual.png") ? "actual"
                    : name.endsWith(".difference.png") ? "difference" : name;
            String target = "images/" + Integer.toHexString(source.toAbsolutePath().toString().hashCode()) + "-"
                    + name;
            Files.copy(source, out.resolve(target), StandardCopyOption.REPLACE_EXISTING);
            copied.put(kind, target);
        }
        ObjectNode node = MAPPER.createObjectNode();
        copied.forEach(node::put);
        return node;
    }
}
