package dev.reprodiff.maven;

import dev.reprodiff.golden.Calibration;
import dev.reprodiff.golden.DifferenceScale;
import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.Platform;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The HTML of the golden report: one page, read as is or with its small inline script (a filter by status and a
 * search box, hidden without it). A table of goldens by platform, failures first, then the goldens nearest their
 * tolerance; each cell with its tolerance and how it was set (calibrated, with its evidence, or by hand), a chart of
 * a trajectory's L-infinity by step against the tolerance, the images with their difference map's absolute scale,
 * and the failure message beside its golden. Then what was left over, left unread or cannot be used, then
 * Surefire's tests. Merged results of several CI jobs take one column per platform on the same page.
 */
final class ReportPage {

    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
            table{border-collapse:collapse;width:100%} th,td{border:1px solid #ddd;padding:5px 7px;text-align:left;
            vertical-align:top} th{background:#f4f4f4} code{font-size:12px}
            .passed{color:#176f2c;font-weight:600} .failed,.missing,.corrupt{color:#b00020;font-weight:600}
            .recorded{color:#1a4fa0;font-weight:600} .skipped,.discarded{color:#777;font-weight:600}
            .bar{background:#eee;width:120px;height:9px;display:inline-block;vertical-align:middle}
            .bar span{display:block;height:9px;background:#2e8b57} .bar span.over{background:#b00020}
            .images{display:flex;gap:6px} figure{margin:0;text-align:center} figcaption{font-size:11px;color:#555}
            img{width:80px;height:80px;image-rendering:pixelated;border:1px solid #ccc}
            td.golden{max-width:340px;overflow-wrap:anywhere} .summary span{margin-right:18px}
            pre{white-space:pre-wrap;font-size:12px;margin:4px 0}
            pre.failure{background:#fff4f4;border-left:3px solid #b00020;padding:4px 6px;max-height:260px;overflow:auto}
            #controls{margin:8px 0 10px} #controls label{margin-right:16px}
            svg.steps{display:block;margin-top:4px;background:#fafafa;border:1px solid #e4e4e4}
            svg.steps .linf{fill:none;stroke:#1a4fa0;stroke-width:1.5} svg.steps .tolerance{stroke:#b00020;
            stroke-dasharray:4 3} svg.steps .calibrated{fill:none;stroke:#2e8b57;stroke-dasharray:2 2}
            svg.steps .first-out{fill:#b00020} svg.steps text{font-size:9px;fill:#555}
            .legend{position:relative;width:240px;height:30px;margin-top:4px;font-size:10px;color:#555}
            .legend .ramp{position:absolute;top:0;left:0;width:240px;height:9px}
            .legend .tick{position:absolute;top:11px;transform:translateX(-50%)}
            .legend .mark{position:absolute;top:-3px;width:2px;height:15px;background:#1a4fa0}
            .legend .mark-label{position:absolute;top:20px;transform:translateX(-50%);color:#1a4fa0}
            .calibration{color:#2e5e3a} .chart-key span{margin-right:8px} .k-linf{color:#1a4fa0}
            .k-tolerance,.k-first{color:#b00020} .k-calibrated{color:#2e8b57}
            """;
    private static final GoldenResult.Status[] COUNTED = {GoldenResult.Status.PASSED, GoldenResult.Status.FAILED,
        GoldenResult.Status.CORRUPT, GoldenResult.Status.MISSING, GoldenResult.Status.RECORDED,
        GoldenResult.Status.DISCARDED};

    private ReportPage() {
    }

    static String render(GoldenReport report) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>reprodiff report</title><style>" + STYLE + "</style></head><body>\n");
        html.append("<h1>reprodiff golden report</h1><div>").append(escape(report.project())).append("</div>\n");
        summary(html, report);
        html.append("<h2>Goldens</h2><p>Failures first, then the goldens nearest their tolerance.</p>");
        controls(html);
        goldens(html, report, report.rows());
        if (!report.stale().isEmpty()) {
            html.append("<h2>Left over from earlier runs</h2><p>Result files whose test did not run this time"
                    + " (skipped, filtered out or deleted); not counted above. <code>mvn clean</code> removes"
                    + " them.</p>");
            goldens(html, report, report.stale());
        }
        list(html, "Unread goldens", "No test read these goldens; they are obsolete if the run included every test"
                + " (nothing was deleted):", report.unread(), "Every golden was read.");
        report.notes().forEach(note -> html.append("<p>").append(escape(note)).append("</p>"));
        list(html, "Files that cannot be used", "", report.problems(), "None.");
        tests(html, report.tests());
        return html.append(SCRIPT).append("</body></html>\n").toString();
    }

    /** Hidden until the script shows them: without it, the page reads as a plain table. */
    private static void controls(StringBuilder html) {
        html.append("<div id=\"controls\" hidden><label>Status <select id=\"status-filter\">"
                + "<option value=\"\">all</option>");
        for (GoldenResult.Status status : COUNTED) {
            html.append("<option value=\"").append(status.value()).append("\">").append(status.value())
                    .append("</option>");
        }
        html.append("</select></label><label>Search <input id=\"search\" type=\"search\""
                + " placeholder=\"golden or test\"></label></div>\n");
    }

    private static final String SCRIPT = """
            <script>
            (function () {
              var controls = document.getElementById('controls');
              if (!controls) { return; }
              controls.hidden = false;
              var status = document.getElementById('status-filter');
              var search = document.getElementById('search');
              function filter() {
                var s = status.value, q = search.value.toLowerCase();
                document.querySelectorAll('tr.golden-row').forEach(function (row) {
                  var statuses = row.getAttribute('data-status').split(' ');
                  row.hidden = !((!s || statuses.indexOf(s) >= 0)
                      && (!q || row.getAttribute('data-search').indexOf(q) >= 0));
                });
              }
              status.addEventListener('change', filter);
              search.addEventListener('input', filter);
            })();
            </script>
            """;

    private static void summary(StringBuilder html, GoldenReport report) {
        html.append("<p class=\"summary\">");
        for (GoldenResult.Status status : COUNTED) {
            html.append("<span class=\"").append(status.value()).append("\">").append(report.count(status))
                    .append(' ').append(status.value()).append("</span>");
        }
        html.append("<span>").append(report.platforms().size()).append(report.platforms().size() == 1
                ? " platform" : " platforms").append("</span><span>").append(report.tests().size())
                .append(" tests</span><span>").append(report.unread().size()).append(" unread goldens</span></p>\n");
    }

    private static void goldens(StringBuilder html, GoldenReport report, List<GoldenReport.Row> rows) {
        List<String> platforms = report.platforms();
        Map<String, GoldenReport.TestCase> failures = failures(report.tests());
        html.append("<table class=\"goldens\"><tr><th>Golden</th>");
        platforms.forEach(p -> html.append("<th>").append(escape(p)).append("</th>"));
        html.append("</tr>\n");
        for (GoldenReport.Row row : rows) {
            GoldenResult any = row.cells().values().iterator().next();
            String statuses = row.cells().values().stream().map(r -> r.status().value()).distinct()
                    .collect(Collectors.joining(" "));
            html.append("<tr class=\"golden-row\" data-status=\"").append(statuses).append("\" data-search=\"")
                    .append(escape((row.module() + " " + row.golden() + " " + row.test()).toLowerCase(Locale.ROOT)))
                    .append("\"><td class=\"golden\"><code>").append(escape(row.golden())).append("</code><br><small>")
                    .append(escape((row.module().isEmpty() ? "" : row.module() + ": ") + row.test())).append("<br>")
                    .append(escape(any.subject().dtype())).append(shape(any.subject().shape())).append(seeds(any))
                    .append("</small>");
            GoldenReport.TestCase failure = failures.get(row.test().split(" ", 2)[0]);
            if (failure != null && GoldenReport.isFailure(row)) {
                html.append("<pre class=\"failure\">").append(escape(failure.detail() != null ? failure.detail()
                        : String.valueOf(failure.message()))).append("</pre>");
            }
            html.append("</td>");
            for (String platform : platforms) {
                GoldenResult result = row.cells().get(platform);
                html.append("<td>").append(result == null ? "&ndash;"
                        : cell(result, report.calibration(result).orElse(null))).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    /** The failed Surefire tests by {@code Class#method}, as the extension names tests. */
    private static Map<String, GoldenReport.TestCase> failures(List<GoldenReport.TestCase> tests) {
        Map<String, GoldenReport.TestCase> failed = new LinkedHashMap<>();
        for (GoldenReport.TestCase test : tests) {
            if ("failed".equals(test.status())) {
                String name = test.name();
                failed.putIfAbsent(simple(test.className()) + "#" + (name.contains("(")
                        ? name.substring(0, name.indexOf('(')) : name), test);
            }
        }
        return failed;
    }

    static String cell(GoldenResult result) {
        return cell(result, null);
    }

    /** One result: status, then what the comparison, the recording or the failure says. */
    static String cell(GoldenResult result, Calibration.Entry calibration) {
        String status = result.status().value();
        StringBuilder cell = new StringBuilder("<span class=\"").append(status).append("\">").append(status)
                .append("</span>");
        GoldenResult.Comparison c = result.comparison();
        if (c != null) {
            cell.append(" <small>variant ").append(escape(c.variant())).append("</small><br>L&infin; ")
                    .append(sci(c.linf())).append("<br><small>").append(String.valueOf(c.toleranceSource()).startsWith("exact")
                    ? "" : (c.atol() == 0 && c.rtol() == 0 ? "exact" : "atol " + sci(c.atol()) + " + rtol "
                    + sci(c.rtol())) + ", ")   // an exact source says "exact" itself
                    .append(escape(c.toleranceSource())).append("</small><br>").append(headroom(c.toleranceUsed()));
            cell.append("<br><small class=\"calibration\">").append(escape(calibrationLine(c, calibration)))
                    .append("</small>");
            if (c.mismatched() > 0) {
                cell.append("<br><small>").append(c.mismatched()).append(" / ").append(c.total())
                        .append(" elements outside</small>");
            }
            if (c.firstStepOutOfTolerance() != null) {
                cell.append("<br><small>diverges at step ").append(c.firstStepOutOfTolerance()).append("</small>");
            }
            if (c.stepLinf() != null) {
                cell.append(stepChart(c, calibration));
                cell.append("<small>L&infin; by step: ").append(Arrays.stream(c.stepLinf()).mapToObj(ReportPage::sci)
                        .collect(Collectors.joining(", "))).append("</small>");
            }
            cell.append(platform("recorded on", c.recorded())).append(images(c));
        }
        GoldenResult.Recording r = result.recording();
        if (r != null) {
            cell.append(" <small>variant ").append(escape(r.variant())).append(", ").append(r.change().value())
                    .append(", ").append(Sizes.format(r.bytes())).append("</small>");
        }
        if (result.message() != null) {
            cell.append("<pre class=\"failure\">").append(escape(result.message())).append("</pre>");
        }
        return cell.toString();
    }

    /**
     * Whether the tolerance is calibrated: the rule's evidence as {@code tolerances.json} keeps it, else what
     * {@code calibration.json} observed without being applied, else hand-set (or a dtype's default).
     */
    static String calibrationLine(GoldenResult.Comparison c, Calibration.Entry calibration) {
        if (c.calibrated() != null) {
            return c.calibrated().describe();
        }
        String source = String.valueOf(c.toleranceSource());
        if (source.startsWith("exact: ")) {
            return "exact: @Deterministic on the recording platform";
        }
        String how = source.startsWith("torch.testing") ? "default, not calibrated" : "hand-set, not calibrated";
        if (calibration == null) {
            return how;
        }
        return how + "; calibration.json " + (calibration.proposedAtol() == null
                ? "found it non-deterministic" : "proposes atol " + Calibration.format(calibration.proposedAtol()))
                + " (observed max " + Calibration.format(calibration.maxLinf()) + " over "
                + Calibration.count(calibration.observations(), "observation") + ")";
    }

    private static final int CHART_W = 240;
    private static final int CHART_H = 90;
    private static final int PAD_L = 34;
    private static final int PAD_B = 14;

    /**
     * L-infinity by step (blue) on a log scale against the tolerance's atol (red, dashed), the calibrated spread of
     * each step where known (green, dashed), and the first step out of tolerance marked (a red dot).
     */
    static String stepChart(GoldenResult.Comparison c, Calibration.Entry calibration) {
        double[] steps = c.stepLinf();
        double[] spread = calibration == null ? null : calibration.stepMaxLinf();
        double hi = 0;
        double lo = Double.POSITIVE_INFINITY;
        for (double[] series : new double[][] {steps, spread == null ? new double[0] : spread,
            c.atol() > 0 ? new double[] {c.atol()} : new double[0]}) {
            for (double v : series) {
                if (v > 0 && Double.isFinite(v)) {
                    hi = Math.max(hi, v);
                    lo = Math.min(lo, v);
                }
            }
        }
        if (hi == 0) {
            hi = 1e-6;
            lo = 1e-6;
        }
        double top = Math.ceil(Math.log10(hi));
        double bottom = Math.min(Math.floor(Math.log10(lo)), top - 1);
        StringBuilder svg = new StringBuilder("<svg class=\"steps\" width=\"").append(CHART_W)
                .append("\" height=\"").append(CHART_H).append("\" viewBox=\"0 0 ").append(CHART_W).append(' ')
                .append(CHART_H).append("\" role=\"img\" aria-label=\"L-infinity by step against the tolerance\">");
        svg.append("<text x=\"2\" y=\"9\">1e").append((int) top).append("</text><text x=\"2\" y=\"")
                .append(CHART_H - PAD_B).append("\">1e").append((int) bottom).append("</text>");
        if (c.atol() > 0) {
            double y = y(c.atol(), bottom, top);
            svg.append("<line class=\"tolerance\" x1=\"").append(PAD_L).append("\" x2=\"").append(CHART_W - 4)
                    .append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"><title>atol ")
                    .append(sci(c.atol())).append("</title></line>");
        }
        svg.append("<polyline class=\"linf\" points=\"").append(points(steps, bottom, top))
                .append("\"><title>L-inf by step</title></polyline>");
        // Drawn over the L-inf line, so that the dashes show where the two coincide.
        if (spread != null && spread.length == steps.length) {
            svg.append("<polyline class=\"calibrated\" points=\"").append(points(spread, bottom, top))
                    .append("\"><title>calibrated spread (largest L-inf of each step over the calibration's runs)"
                            + "</title></polyline>");
        }
        Integer first = c.firstStepOutOfTolerance();
        if (first != null && first < steps.length) {
            svg.append("<circle class=\"first-out\" cx=\"").append(fmt(x(first, steps.length))).append("\" cy=\"")
                    .append(fmt(y(steps[first], bottom, top))).append("\" r=\"3.5\"><title>first step out of"
                            + " tolerance: ").append(first).append("</title></circle>");
        }
        svg.append("<text x=\"").append(PAD_L).append("\" y=\"").append(CHART_H - 2).append("\">step 0</text>")
                .append("<text x=\"").append(CHART_W - 40).append("\" y=\"").append(CHART_H - 2).append("\">step ")
                .append(steps.length - 1).append("</text></svg>");
        svg.append("<small class=\"chart-key\"><span class=\"k-linf\">&#9472; L&infin; by step</span>")
                .append(c.atol() > 0 ? " <span class=\"k-tolerance\">- - atol</span>" : "")
                .append(spread != null && spread.length == steps.length
                        ? " <span class=\"k-calibrated\">&middot;&middot; calibrated spread</span>" : "")
                .append(first != null ? " <span class=\"k-first\">&#9679; first step out</span>" : "")
                .append("</small><br>");
        return svg.toString();
    }

    private static String points(double[] values, double bottom, double top) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            points.append(i == 0 ? "" : " ").append(fmt(x(i, values.length))).append(',')
                    .append(fmt(y(values[i], bottom, top)));
        }
        return points.toString();
    }

    private static double x(int step, int steps) {
        return steps <= 1 ? PAD_L : PAD_L + step * (CHART_W - 8.0 - PAD_L) / (steps - 1);
    }

    /** A value's height on the log scale; 0 (and below the scale) sits on the bottom line. */
    private static double y(double value, double bottom, double top) {
        double decade = value > 0 && Double.isFinite(value) ? Math.log10(value) : bottom;
        double t = Math.max(0, Math.min(1, (decade - bottom) / (top - bottom)));
        return 6 + (1 - t) * (CHART_H - PAD_B - 6 - 6);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** How much of its allowance the worst element used, as a bar: green inside tolerance, red outside. */
    private static String headroom(double used) {
        if (used == 0) {
            return "identical<br><small>100% headroom</small>";
        }
        double value = Double.isNaN(used) ? Double.POSITIVE_INFINITY : used;
        int width = (int) Math.round(Math.min(1, value) * 120);
        String label = value > 1 ? (Double.isInfinite(value) ? "outside an exact rule, or NaN" : String.format(
                Locale.ROOT, "%.1f&times; the tolerance", value)) : String.format(Locale.ROOT,
                "uses %.1f%%, %.1f%% headroom", 100 * value, 100 * (1 - value));
        return "<span class=\"bar\"><span class=\"" + (value > 1 ? "over" : "") + "\" style=\"width:" + width
                + "px\"></span></span><br><small>" + label + "</small>";
    }

    /**
     * The expected, actual and difference thumbnails, each a link to its full-size PNG, and the difference map's
     * legend: its absolute scale ({@link DifferenceScale}), with the tolerance's atol marked.
     */
    static String images(GoldenResult.Comparison c) {
        List<String> images = c.images();
        if (images == null || images.isEmpty()) {
            return "";
        }
        StringBuilder html = new StringBuilder("<div class=\"images\">");
        boolean difference = false;
        for (String kind : new String[] {"expected", "actual", "difference"}) {
            Optional<String> image = images.stream().filter(i -> i.endsWith("." + kind + ".png")).findFirst();
            if (image.isPresent()) {
                difference |= kind.equals("difference");
                html.append("<figure><a href=\"").append(escape(image.get())).append("\"><img alt=\"").append(kind)
                        .append("\" src=\"").append(escape(image.get())).append("\"></a><figcaption>").append(kind)
                        .append("</figcaption></figure>");
            }
        }
        html.append("</div>");
        if (difference) {
            html.append(legend(c.atol()));
        }
        return html.toString();
    }

    /** The colour ramp of difference maps, 1e-9 to 1, with ticks every three decades and the atol marked. */
    static String legend(double atol) {
        StringBuilder html = new StringBuilder("<div class=\"legend\" title=\"|actual - golden| on the difference"
                + " map: black is 0\"><div class=\"ramp\" style=\"background:linear-gradient(to right");
        for (double t = 0; t <= 1.0001; t += 0.25) {
            html.append(", ").append(String.format(Locale.ROOT, "#%06x", DifferenceScale.rgbAt(t)));
        }
        html.append(")\"></div>");
        for (int e = DifferenceScale.MIN_EXPONENT; e <= DifferenceScale.MAX_EXPONENT; e += 3) {
            html.append("<span class=\"tick\" style=\"left:").append(fmt(240 * DifferenceScale.position(
                    Math.pow(10, e)))).append("px\">1e").append(e).append("</span>");
        }
        double at = atol > 0 ? 240 * DifferenceScale.position(atol) : 0;
        html.append("<span class=\"mark\" style=\"left:").append(fmt(at)).append("px\"></span>")
                .append("<span class=\"mark-label\" style=\"left:").append(fmt(Math.max(20, Math.min(220, at))))
                .append("px\">").append(atol > 0 ? "atol " + sci(atol) : "exact").append("</span></div>");
        return html.toString();
    }

    private static void list(StringBuilder html, String title, String intro, List<String> items, String none) {
        html.append("<h2>").append(title).append("</h2>");
        if (items.isEmpty()) {
            html.append("<p>").append(none).append("</p>");
            return;
        }
        html.append(intro.isEmpty() ? "" : "<p>" + intro + "</p>").append("<ul>");
        items.forEach(i -> html.append("<li><code>").append(escape(i)).append("</code></li>"));
        html.append("</ul>\n");
    }

    private static void tests(StringBuilder html, List<GoldenReport.TestCase> tests) {
        html.append("\n<h2>Tests (Surefire)</h2><table><tr><th>Test</th><th>Status</th><th>Time (s)</th></tr>\n");
        for (GoldenReport.TestCase t : tests) {
            html.append("<tr><td><code>").append(escape(simple(t.className()) + "#" + t.name())).append("</code>");
            if (t.detail() != null) {
                html.append("<details><summary>").append(escape(firstLine(String.valueOf(t.message()))))
                        .append("</summary><pre>").append(escape(t.detail())).append("</pre></details>");
            }
            html.append("</td><td class=\"").append(t.status()).append("\">").append(t.status()).append("</td><td>")
                    .append(escape(t.time())).append("</td></tr>\n");
        }
        html.append("</table>");
    }

    private static String platform(String label, Platform p) {
        return p == null ? "" : "<br><small>" + label + " " + escape(p.label() + ", libtorch " + p.libtorchVersion()
                + ", " + p.threads() + (p.threads() == 1 ? " thread" : " threads")) + "</small>";
    }

    private static String seeds(GoldenResult result) {
        long[] seeds = result.subject().seeds();
        return seeds == null ? "" : " &middot; seeds " + escape(Arrays.stream(seeds).mapToObj(Long::toString)
                .collect(Collectors.joining(", ")) + " (" + result.subject().seedSource() + ")");
    }

    private static String shape(long[] shape) {
        return shape == null ? "" : Arrays.stream(shape).mapToObj(Long::toString)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String sci(double value) {
        return String.format(Locale.ROOT, "%.2e", value);
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String firstLine(String text) {
        String line = text.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }

    static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
