package dev.redoubt.verify.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.verify.drill.Drill;
import dev.redoubt.verify.drill.DrillReport;

/**
 * A drill's reports: {@code drill.json} (the versioned contract, as stored in the
 * record), {@code drill.html} (for people: verdict, RTO and RPO against targets, the
 * phases, what was recovered, the checks and the trend of past drills, self-contained),
 * {@code drill-junit.xml} (for CI) and {@code drill.txt} (one paragraph for a ticket).
 */
public final class DrillReports {

	public static final String JSON = "drill.json";

	public static final String HTML = "drill.html";

	public static final String JUNIT = "drill-junit.xml";

	public static final String TEXT = "drill.txt";

	private DrillReports() {
	}

	/**
	 * Writes the four reports into {@code directory}.
	 * @param history the source's past drills, oldest first (this one included or not)
	 */
	public static List<Path> write(DrillReport report, List<DrillReport> history, Path directory) {
		try {
			Files.createDirectories(directory);
			return List.of(write(directory.resolve(JSON), json(report)),
					write(directory.resolve(HTML), html(report, history)),
					write(directory.resolve(JUNIT), junit(report)), write(directory.resolve(TEXT), summary(report)));
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL,
					"cannot write the drill reports to " + directory + ": " + ex.getMessage(), ex);
		}
	}

	public static String json(DrillReport report) {
		return ManifestCodec.json().writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n";
	}

	/** One paragraph for a ticket or a chat message. */
	public static String summary(DrillReport report) {
		StringBuilder text = new StringBuilder();
		text.append(
				String.format(Locale.ROOT, "DR drill of %s (%s) at %s, region %s declared lost, recovered from %s: %s.",
						report.source(), report.type(), report.disasterAt(), report.lostRegion(),
						String.join(", ", report.survivingRegions()), report.verdict().label()));
		text.append(" RTO ").append(measure(report.rto())).append(", RPO ").append(measure(report.rpo())).append('.');
		if (report.recovered() != null) {
			text.append(" Backup ").append(report.recovered().backupId());
			if (report.recovered().walFiles() != null) {
				text.append(" and ").append(report.recovered().walFiles()).append(" WAL file(s)");
			}
			if (report.recovered().newestCommit() != null) {
				text.append(", newest commit recovered ").append(report.recovered().newestCommit());
			}
			text.append('.');
		}
		if (!report.checks().isEmpty()) {
			long passed = report.checks().stream().filter((c) -> c.status().equals("passed")).count();
			text.append(' ').append(passed).append(" of ").append(report.checks().size()).append(" checks passed.");
		}
		for (String reason : report.reasons()) {
			text.append(' ').append(reason.endsWith(".") ? reason : reason + ".");
		}
		if (report.keptSandbox() != null) {
			text.append(" Sandbox kept for inspection: ").append(report.keptSandbox()).append('.');
		}
		return text.append('\n').toString();
	}

	static String measure(DrillReport.Measure measure) {
		if (measure.seconds() == null) {
			return "not measured" + ((measure.targetSeconds() != null)
					? " (target " + Drill.human(duration(measure.targetSeconds())) + ")" : "");
		}
		String measured = Drill.human(duration(measure.seconds()));
		if (measure.targetSeconds() == null) {
			return measured + " (no target)";
		}
		return measured + (Boolean.TRUE.equals(measure.met()) ? " within" : " over") + " the target "
				+ Drill.human(duration(measure.targetSeconds()));
	}

	private static Duration duration(double seconds) {
		return Duration.ofNanos((long) (seconds * 1_000_000_000L));
	}

	public static String junit(DrillReport report) {
		String suite = "redoubt.drill." + report.source() + "." + report.type();
		StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		List<String[]> cases = new java.util.ArrayList<>();
		cases.add(new String[] { "recovery", report.verdict() == dev.redoubt.verify.drill.DrillVerdict.COULD_NOT_RUN
				? "error" : (report.usableAt() != null) ? "" : "failure", String.join("; ", report.reasons()) });
		cases.add(new String[] { "rto", Boolean.FALSE.equals(report.rto().met()) ? "failure" : "",
				"RTO " + measure(report.rto()) });
		cases.add(new String[] { "rpo", Boolean.FALSE.equals(report.rpo().met()) ? "failure" : "",
				"RPO " + measure(report.rpo()) });
		for (DrillReport.Check check : report.checks()) {
			cases.add(new String[] { "check " + check.id(),
					check.status().equals("failed") ? "failure" : check.status().equals("skipped") ? "skipped" : "",
					check.detail() });
		}
		long failures = cases.stream().filter((c) -> c[1].equals("failure")).count();
		long errors = cases.stream().filter((c) -> c[1].equals("error")).count();
		xml.append(String.format(Locale.ROOT,
				"<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" timestamp=\"%s\">%n", e(suite),
				cases.size(), failures, errors, report.disasterAt()));
		xml.append("  <properties>\n");
		property(xml, "verdict", report.verdict().name());
		property(xml, "lostRegion", report.lostRegion());
		property(xml, "survivingRegions", String.join(",", report.survivingRegions()));
		property(xml, "rtoSeconds", (report.rto().seconds() == null) ? "" : report.rto().seconds().toString());
		property(xml, "rpoSeconds", (report.rpo().seconds() == null) ? "" : report.rpo().seconds().toString());
		xml.append("  </properties>\n");
		for (String[] c : cases) {
			xml.append("  <testcase classname=\"").append(e(suite)).append("\" name=\"").append(e(c[0])).append('"');
			switch (c[1]) {
				case "failure" ->
					xml.append(">\n    <failure message=\"").append(e(c[2])).append("\"/>\n  </testcase>\n");
				case "error" -> xml.append(">\n    <error message=\"").append(e(c[2])).append("\"/>\n  </testcase>\n");
				case "skipped" ->
					xml.append(">\n    <skipped message=\"").append(e(c[2])).append("\"/>\n  </testcase>\n");
				default -> xml.append(">\n    <system-out>").append(e(c[2])).append("</system-out>\n  </testcase>\n");
			}
		}
		return xml.append("</testsuite>\n").toString();
	}

	private static void property(StringBuilder xml, String name, String value) {
		xml.append("    <property name=\"").append(e(name)).append("\" value=\"").append(e(value)).append("\"/>\n");
	}

	public static String html(DrillReport report, List<DrillReport> history) {
		StringBuilder html = new StringBuilder();
		String css = switch (report.verdict()) {
			case PASS -> "ok";
			case FAIL -> "bad";
			case COULD_NOT_RUN -> "unknown";
		};
		html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
			.append(e("Redoubt DR drill of " + report.source() + " at " + report.disasterAt()))
			.append("</title>\n<style>\n")
			.append(STYLE)
			.append("</style>\n</head>\n<body>\n<h1>Redoubt DR drill</h1>\n");
		html.append("<p class=\"verdict ")
			.append(css)
			.append("\">")
			.append(e(report.verdict().label()))
			.append("</p>\n");
		if (!report.reasons().isEmpty()) {
			html.append("<ul class=\"reasons\">\n");
			report.reasons().forEach((reason) -> html.append("<li>").append(e(reason)).append("</li>\n"));
			html.append("</ul>\n");
		}
		html.append("<table class=\"facts\">\n");
		fact(html, "Source", report.source() + " (" + report.type() + " drill)");
		fact(html, "Disaster declared (T)", report.disasterAt().toString());
		fact(html, "Region lost", report.lostRegion());
		fact(html, "Recovered from", String.join(", ", report.survivingRegions()));
		fact(html, "RTO", measure(report.rto()));
		fact(html, "RPO", measure(report.rpo()) + ((report.rpo().basis() != null) ? "; " + report.rpo().basis() : ""));
		if (report.usableAt() != null) {
			fact(html, "Usable at", report.usableAt().toString());
		}
		if (report.recovered() != null) {
			DrillReport.Recovered r = report.recovered();
			fact(html, "Backup",
					r.backupId() + ((r.backupTakenAt() != null) ? " (taken " + r.backupTakenAt() + ")" : ""));
			if (r.walFiles() != null) {
				fact(html, "WAL files replayed", Integer.toString(r.walFiles()));
			}
			if (r.newestCommit() != null) {
				fact(html, "Newest commit recovered", r.newestCommit().toString());
			}
			if (r.timeline() != null) {
				fact(html, "Timeline", Integer.toString(r.timeline()));
			}
			if (r.missingSegments() != null && !r.missingSegments().isEmpty()) {
				fact(html, "WAL the surviving regions lack", String.join(", ", r.missingSegments()));
			}
			if (r.stoppedAt() != null && !r.stoppedAt().isEmpty()) {
				fact(html, "PostgreSQL reported", String.join(" | ", r.stoppedAt()));
			}
		}
		for (Map.Entry<String, String> entry : new java.util.TreeMap<>(report.environment()).entrySet()) {
			fact(html, "Environment: " + entry.getKey(), entry.getValue());
		}
		if (report.keptSandbox() != null) {
			fact(html, "Sandbox kept", report.keptSandbox());
		}
		html.append("</table>\n<h2>Phases</h2>\n<div class=\"chart\">\n");
		double longest = report.phases().stream().mapToDouble(DrillReport.Phase::seconds).max().orElse(1);
		for (DrillReport.Phase phase : report.phases()) {
			html.append("<div class=\"row\"><span class=\"label\">")
				.append(e(phase.name()))
				.append("</span><span class=\"bar\" style=\"width:")
				.append(String.format(Locale.ROOT, "%.1f",
						Math.max(0.5, 100.0 * phase.seconds() / Math.max(0.001, longest)) * 0.6))
				.append("%\"></span><span class=\"value\">")
				.append(String.format(Locale.ROOT, "%.2f s", phase.seconds()))
				.append("</span></div>\n");
		}
		html.append(
				"</div>\n<h2>Checks</h2>\n<table class=\"checks\">\n<tr><th>Check</th><th>Result</th><th>Detail</th></tr>\n");
		for (DrillReport.Check check : report.checks()) {
			html.append("<tr class=\"")
				.append(e(check.status()))
				.append("\"><td>")
				.append(e(check.title()))
				.append("<br><code>")
				.append(e(check.id()))
				.append("</code></td><td class=\"status\">")
				.append(e(check.status()))
				.append("</td><td>")
				.append(e(check.detail()))
				.append("</td></tr>\n");
		}
		html.append("</table>\n<h2>Trend</h2>\n")
			.append(trend(history))
			.append("<p class=\"foot\">Written by redoubt drill. The same record is stored, signed, in every surviving region;"
					+ " <code>redoubt drill history</code> lists past drills.</p>\n</body>\n</html>\n");
		return html.toString();
	}

	/** RTO and RPO of past drills as an SVG line chart, oldest on the left. */
	static String trend(List<DrillReport> history) {
		List<DrillReport> measured = history.stream().filter((d) -> d.rto().seconds() != null).toList();
		if (measured.size() < 2) {
			return "<p>Too few drills for a trend (" + measured.size() + ").</p>\n";
		}
		int width = 640;
		int height = 200;
		double max = measured.stream()
			.mapToDouble((d) -> Math.max(d.rto().seconds(), (d.rpo().seconds() == null) ? 0 : d.rpo().seconds()))
			.max()
			.orElse(1);
		StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
				"<svg class=\"trend\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
						+ " aria-label=\"RTO and RPO of the last %d drills\">%n",
				width, height + 20, width, height + 20, measured.size()));
		svg.append(String.format(Locale.ROOT, "<line x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n",
				height, width, height));
		svg.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"12\" font-size=\"11\">%.0f s</text>%n", max));
		line(svg, measured, max, width, height, true, "#4a78c2");
		line(svg, measured, max, width, height, false, "#c2724a");
		svg.append("<text x=\"50\" y=\"")
			.append(height + 16)
			.append("\" font-size=\"11\" fill=\"#4a78c2\">RTO</text>")
			.append("<text x=\"90\" y=\"")
			.append(height + 16)
			.append("\" font-size=\"11\" fill=\"#c2724a\">RPO</text>\n");
		return svg.append("</svg>\n").toString();
	}

	private static void line(StringBuilder svg, List<DrillReport> drills, double max, int width, int height,
			boolean rto, String colour) {
		StringBuilder points = new StringBuilder();
		for (int i = 0; i < drills.size(); i++) {
			Double value = rto ? drills.get(i).rto().seconds() : drills.get(i).rpo().seconds();
			if (value == null) {
				continue;
			}
			double x = 40 + (width - 50) * (double) i / (drills.size() - 1);
			double y = height - (height - 20) * value / Math.max(0.001, max);
			points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
		}
		svg.append("<polyline fill=\"none\" stroke=\"")
			.append(colour)
			.append("\" stroke-width=\"2\" points=\"")
			.append(points.toString().trim())
			.append("\"/>\n");
	}

	private static void fact(StringBuilder html, String name, String value) {
		html.append("<tr><th>").append(e(name)).append("</th><td>").append(e(value)).append("</td></tr>\n");
	}

	private static String e(String text) {
		return Markup.escape(text);
	}

	private static Path write(Path file, String content) throws IOException {
		return Files.writeString(file, content, StandardCharsets.UTF_8);
	}

	private static final String STYLE = """
			body { font-family: system-ui, sans-serif; margin: 2em; color: #1d2430; max-width: 70em; }
			h1 { font-size: 1.6em; margin-bottom: .3em; }
			.verdict { font-size: 1.3em; font-weight: 600; padding: .4em .8em; display: inline-block; border-radius: 4px; }
			.verdict.ok { background: #dff3e4; color: #12602b; }
			.verdict.bad { background: #fbe1e1; color: #8a1c1c; }
			.verdict.unknown { background: #fff1d6; color: #7a5300; }
			table { border-collapse: collapse; margin: .8em 0; }
			.facts th { text-align: left; padding: .2em 1em .2em 0; font-weight: 500; color: #555; vertical-align: top; }
			.checks th, .checks td { border: 1px solid #d8dde5; padding: .35em .6em; vertical-align: top; text-align: left; }
			.checks th { background: #f2f4f7; }
			tr.failed { background: #fdf0f0; }
			.chart .row { display: flex; align-items: center; margin: .25em 0; }
			.chart .label { width: 16em; color: #444; }
			.chart .bar { display: inline-block; height: 1.1em; background: #4a78c2; border-radius: 2px; }
			.chart .value { margin-left: .6em; color: #444; font-variant-numeric: tabular-nums; }
			.foot { margin-top: 2em; color: #777; font-size: .9em; }
			""";

}
