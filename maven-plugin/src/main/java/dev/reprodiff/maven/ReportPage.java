package dev.reprodiff.maven;

import dev.reprodiff.golden.GoldenResult;
import dev.reprodiff.golden.Platform;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The HTML of the golden report: one static page, no scripts. A table of goldens by platform, then what was left
 * over, left unread or cannot be used, then Surefire's tests. Each part is one method, so that the layout can grow.
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
        html.append("<h2>Goldens</h2>");
        goldens(html, report.platforms(), report.rows());
        if (!report.stale().isEmpty()) {
            html.append("<h2>Left over from earlier runs</h2><p>Result files whose test did not run this time"
                    + " (skipped, filtered out or deleted); not counted above. <code>mvn clean</code> removes"
                    + " them.</p>");
            goldens(html, report.platforms(), report.stale());
        }
        list(html, "Unread goldens", "No test read these goldens; they are obsolete if the run included every test"
                + " (nothing was deleted):", report.unread(), "Every golden was read.");
        report.notes().forEach(note -> html.append("<p>").append(escape(note)).append("</p>"));
        list(html, "Files that cannot be used", "", report.problems(), "None.");
        tests(html, report.tests());
        return html.append("</body></html>\n").toString();
    }

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

    private static void goldens(StringBuilder html, List<String> platforms, List<GoldenReport.Row> rows) {
        html.append("<table><tr><th>Golden</th>");
        platforms.forEach(p -> html.append("<th>").append(escape(p)).append("</th>"));
        html.append("</tr>\n");
        for (GoldenReport.Row row : rows) {
            GoldenResult any = row.cells().values().iterator().next();
            html.append("<tr><td class=\"golden\"><code>").append(escape(row.golden())).append("</code><br><small>")
                    .append(escape((row.module().isEmpty() ? "" : row.module() + ": ") + row.test())).append("<br>")
                    .append(escape(any.subject().dtype())).append(shape(any.subject().shape())).append(seeds(any))
                    .append("</small></td>");
            for (String platform : platforms) {
                GoldenResult result = row.cells().get(platform);
                html.append("<td>").append(result == null ? "&ndash;" : cell(result)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    /** One result: status, then what the comparison, the recording or the failure says. */
    static String cell(GoldenResult result) {
        String status = result.status().value();
        StringBuilder cell = new StringBuilder("<span class=\"").append(status).append("\">").append(status)
                .append("</span>");
        GoldenResult.Comparison c = result.comparison();
        if (c != null) {
            cell.append(" <small>variant ").append(escape(c.variant())).append("</small><br>L&infin; ")
                    .append(sci(c.linf())).append("<br><small>").append(c.atol() == 0 && c.rtol() == 0 ? "exact"
                    : "atol " + sci(c.atol()) + " + rtol " + sci(c.rtol())).append(", ")
                    .append(escape(c.toleranceSource())).append("</small><br>").append(headroom(c.toleranceUsed()));
            if (c.mismatched() > 0) {
                cell.append("<br><small>").append(c.mismatched()).append(" / ").append(c.total())
                        .append(" elements outside</small>");
            }
            if (c.firstStepOutOfTolerance() != null) {
                cell.append("<br><small>diverges at step ").append(c.firstStepOutOfTolerance()).append("</small>");
            }
            if (c.stepLinf() != null) {
                cell.append("<br><small>L&infin; by step: ").append(Arrays.stream(c.stepLinf()).mapToObj(ReportPage::sci)
                        .collect(Collectors.joining(", "))).append("</small>");
            }
            cell.append(platform("recorded on", c.recorded())).append(images(c.images()));
        }
        GoldenResult.Recording r = result.recording();
        if (r != null) {
            cell.append(" <small>variant ").append(escape(r.variant())).append(", ").append(r.change().value())
                    .append(", ").append(Sizes.format(r.bytes())).append("</small>");
        }
        if (result.message() != null) {
            cell.append("<details><summary>").append(escape(firstLine(result.message()))).append("</summary><pre>")
                    .append(escape(result.message())).append("</pre></details>");
        }
        return cell.toString();
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

    private static String images(List<String> images) {
        if (images == null || images.isEmpty()) {
            return "";
        }
        StringBuilder html = new StringBuilder("<div class=\"images\">");
        for (String kind : new String[] {"expected", "actual", "difference"}) {
            images.stream().filter(i -> i.endsWith("." + kind + ".png")).findFirst().ifPresent(i -> html.append(
                    "<figure><img alt=\"").append(kind).append("\" src=\"").append(escape(i))
                    .append("\"><figcaption>").append(kind).append("</figcaption></figure>"));
        }
        return html.append("</div>").toString();
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
