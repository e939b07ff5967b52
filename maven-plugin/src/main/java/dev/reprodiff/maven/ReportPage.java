package dev.reprodiff.maven;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/** The HTML of {@code reprodiff:report}: one static page, no scripts, rendered from the report's JSON. */
final class ReportPage {

    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
            table{border-collapse:collapse;width:100%} th,td{border:1px solid #ddd;padding:5px 7px;text-align:left;
            vertical-align:top} th{background:#f4f4f4} code{font-size:12px}
            .passed{color:#176f2c;font-weight:600} .failed,.missing{color:#b00020;font-weight:600}
            .recorded{color:#1a4fa0;font-weight:600} .skipped{color:#777}
            .bar{background:#eee;width:120px;height:9px;display:inline-block;vertical-align:middle}
            .bar span{display:block;height:9px;background:#2e8b57} .bar span.over{background:#b00020}
            .images{display:flex;gap:6px} figure{margin:0;text-align:center} figcaption{font-size:11px;color:#555}
            img{width:80px;height:80px;image-rendering:pixelated;border:1px solid #ccc}
            td.golden{max-width:340px;overflow-wrap:anywhere} td.images-cell{width:262px}
            .summary span{margin-right:18px} pre{white-space:pre-wrap;font-size:12px;margin:4px 0}
            """;

    private ReportPage() {
    }

    static String render(JsonNode report) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>reprodiff report</title><style>" + STYLE + "</style></head><body>\n");
        JsonNode goldens = report.path("goldens");
        html.append("<h1>reprodiff golden report</h1><div>").append(escape(report.path("project").asText()))
                .append(" &middot; goldens in <code>").append(escape(report.path("golden_dir").asText()))
                .append("</code></div>\n<p class=\"summary\">");
        for (String status : new String[] {"passed", "failed", "recorded", "missing"}) {
            html.append("<span class=\"").append(status).append("\">").append(count(goldens, status)).append(' ')
                    .append(status).append("</span>");
        }
        html.append("<span>").append(report.path("tests").size()).append(" tests</span><span>")
                .append(report.path("unread_goldens").size()).append(" unread goldens</span></p>\n");
        html.append("<h2>Goldens</h2><table><tr><th>Golden</th><th>Status</th><th>L&infin;</th><th>Tolerance</th>"
                + "<th>Headroom</th><th>Platforms</th><th>Seeds</th><th>Images</th></tr>\n");
        for (JsonNode g : goldens) {
            html.append(goldenRow(g));
        }
        html.append("</table>\n");
        if (!report.path("stale_results").isEmpty()) {
            html.append("<h2>Left over from earlier runs</h2><p>Result files whose test did not run this time (skipped,"
                    + " filtered out or deleted); not counted above. <code>mvn clean</code> removes them.</p><table>"
                    + "<tr><th>Golden</th><th>Status</th><th>L&infin;</th><th>Tolerance</th><th>Headroom</th>"
                    + "<th>Platforms</th><th>Seeds</th><th>Images</th></tr>\n");
            report.path("stale_results").forEach(g -> html.append(goldenRow(g)));
            html.append("</table>\n");
        }
        html.append("<h2>Unread goldens</h2>");
        JsonNode unread = report.path("unread_goldens");
        if (unread.isEmpty()) {
            html.append("<p>Every golden was read by this run.</p>");
        } else {
            html.append("<p>No test read these goldens; they are obsolete if the run included every test"
                    + " (nothing was deleted):</p><ul>");
            unread.forEach(u -> html.append("<li><code>").append(escape(u.asText())).append("</code></li>"));
            html.append("</ul>");
        }
        html.append("\n<h2>Tests (Surefire)</h2><table><tr><th>Test</th><th>Status</th><th>Time (s)</th></tr>\n");
        for (JsonNode t : report.path("tests")) {
            String status = t.path("status").asText();
            html.append("<tr><td><code>").append(escape(simple(t.path("class").asText()) + "#"
                    + t.path("name").asText())).append("</code>");
            if (t.has("detail")) {
                html.append("<details><summary>").append(escape(firstLine(t.path("message").asText())))
                        .append("</summary><pre>").append(escape(t.path("detail").asText())).append("</pre></details>");
            }
            html.append("</td><td class=\"").append(status).append("\">").append(status).append("</td><td>")
                    .append(escape(t.path("time").asText())).append("</td></tr>\n");
        }
        return html.append("</table></body></html>\n").toString();
    }

    private static String goldenRow(JsonNode g) {
        String status = g.path("status").asText();
        StringBuilder row = new StringBuilder("<tr><td class=\"golden\"><code>").append(escape(g.path("golden").asText()))
                .append("</code><br><small>").append(escape(g.path("test").asText())).append("<br>")
                .append(escape(g.path("dtype").asText())).append(shape(g.path("shape"))).append(" &middot; variant ")
                .append(escape(g.path("variant").asText("-"))).append("</small></td><td class=\"").append(status)
                .append("\">").append(status);
        if (g.has("mismatched") && g.path("mismatched").asLong() > 0) {
            row.append("<br><small>").append(g.path("mismatched").asLong()).append(" / ")
                    .append(g.path("total").asLong()).append(" elements</small>");
        }
        if (g.has("first_step_out_of_tolerance")) {
            row.append("<br><small>diverges at step ").append(g.path("first_step_out_of_tolerance").asInt())
                    .append("</small>");
        }
        row.append("</td><td>").append(g.has("linf") ? sci(g.path("linf")) : "-").append("</td><td>");
        if (g.has("atol")) {
            double atol = g.path("atol").asDouble();
            double rtol = g.path("rtol").asDouble();
            row.append(atol == 0 && rtol == 0 ? "exact" : "atol " + sci(g.path("atol")) + " + rtol "
                    + sci(g.path("rtol"))).append("<br><small>").append(escape(g.path("tolerance_source").asText()))
                    .append("</small>");
        } else {
            row.append('-');
        }
        row.append("</td><td>").append(headroom(g.path("tolerance_used"))).append("</td><td><small>")
                .append(platform("recorded", g.path("recorded"))).append(platform("run", g.path("current")))
                .append("</small></td><td>").append(seeds(g))
                .append("</td><td class=\"images-cell\"><div class=\"images\">");
        for (String kind : new String[] {"expected", "actual", "difference"}) {
            if (g.path("images").has(kind)) {
                row.append("<figure><img alt=\"").append(kind).append("\" src=\"")
                        .append(escape(g.path("images").path(kind).asText())).append("\"><figcaption>").append(kind)
                        .append("</figcaption></figure>");
            }
        }
        return row.append("</div></td></tr>\n").toString();
    }

    /** How much of its allowance the worst element used, as a bar: green inside tolerance, red outside. */
    private static String headroom(JsonNode used) {
        if (used.isMissingNode() || used.isNull()) {
            return "-";
        }
        double value = used.isNumber() ? used.asDouble() : Double.POSITIVE_INFINITY;
        if (value == 0) {
            return "identical<br><small>100% headroom</small>";
        }
        int width = (int) Math.round(Math.min(1, value) * 120);
        String label = value > 1 ? (Double.isInfinite(value) ? "outside an exact rule" : String.format(Locale.ROOT,
                "%.1f&times; the tolerance", value)) : String.format(Locale.ROOT, "uses %.1f%%, %.1f%% headroom",
                100 * value, 100 * (1 - value));
        return "<span class=\"bar\"><span class=\"" + (value > 1 ? "over" : "") + "\" style=\"width:" + width
                + "px\"></span></span><br><small>" + label + "</small>";
    }

    private static String platform(String label, JsonNode p) {
        if (p.isMissingNode() || p.isNull()) {
            return "";
        }
        return label + ": " + escape(p.path("device_type").asText() + " " + p.path("device_name").asText()
                + ", libtorch " + p.path("libtorch_version").asText() + ", " + p.path("threads").asText()
                + " threads") + "<br>";
    }

    private static String seeds(JsonNode g) {
        if (!g.has("seeds")) {
            return "-";
        }
        return escape(StreamSupport.stream(g.path("seeds").spliterator(), false).map(JsonNode::asText)
                .collect(Collectors.joining(", ")) + " (" + g.path("seed_source").asText() + ")");
    }

    private static String shape(JsonNode shape) {
        return StreamSupport.stream(shape.spliterator(), false).map(JsonNode::asText)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String sci(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.2e", value.asDouble()) : escape(value.asText());
    }

    private static long count(JsonNode goldens, String status) {
        return StreamSupport.stream(goldens.spliterator(), false)
                .filter(g -> status.equals(g.path("status").asText())).count();
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String firstLine(String text) {
        String line = text.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
