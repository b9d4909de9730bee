package dev.redoubt.verify.report;

import java.time.Duration;
import java.util.Locale;

import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.check.CheckResult;

/**
 * The report for people: one self-contained HTML page (no scripts, no external files)
 * with the verdict, the checks as a table and the time of each phase as a bar chart.
 */
public final class HtmlReport {

	private HtmlReport() {
	}

	public static String render(VerificationReport report) {
		StringBuilder html = new StringBuilder();
		String verdict = report.verified() ? "Verified" : "Verification failed";
		html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
			.append(e("Redoubt verification of " + report.source() + " " + report.backupId()))
			.append("</title>\n<style>\n")
			.append(STYLE)
			.append("</style>\n</head>\n<body>\n");
		html.append("<h1>Redoubt verification</h1>\n");
		html.append("<p class=\"verdict ").append(report.verified() ? "ok" : "bad").append("\">").append(verdict);
		if (!report.verified()) {
			html.append(": ")
				.append(report.failures().size())
				.append(" of ")
				.append(report.checks().size())
				.append(" checks not passed");
		}
		html.append("</p>\n<table class=\"facts\">\n");
		fact(html, "Source", report.source());
		fact(html, "Backup", report.backupId());
		fact(html, "Region restored from", report.region());
		fact(html, "Sandbox", report.sandboxKind()
				+ ((report.serverVersion() != null) ? ", PostgreSQL " + report.serverVersion() : ""));
		fact(html, "Restore time (measured RTO)",
				(report.restoreDuration() == null) ? "not measured" : seconds(report.restoreDuration()));
		fact(html, "Total verification time", seconds(report.total()));
		if (report.schemaVersion() != null) {
			fact(html, "Schema version", report.schemaVersion().tool() + " " + report.schemaVersion().version());
		}
		fact(html, "Started", report.startedAt().toString());
		html.append("</table>\n<h2>Checks</h2>\n<table class=\"checks\">\n")
			.append("<tr><th>#</th><th>Check</th><th>Result</th><th>Time</th><th>Detail</th></tr>\n");
		int number = 1;
		for (CheckResult check : report.checks()) {
			html.append("<tr class=\"")
				.append(check.status().label())
				.append("\"><td>")
				.append(number++)
				.append("</td><td>")
				.append(e(check.title()))
				.append("<br><code>")
				.append(e(check.id()))
				.append("</code></td><td class=\"status\">")
				.append(check.status().label())
				.append("</td><td>")
				.append(seconds(check.duration()))
				.append("</td><td>")
				.append(e(check.detail()))
				.append("</td></tr>\n");
		}
		html.append("</table>\n<h2>Time per phase</h2>\n<div class=\"chart\">\n");
		long longest = report.phases().stream().mapToLong((p) -> p.duration().toMillis()).max().orElse(1);
		for (VerificationReport.Phase phase : report.phases()) {
			double width = 100.0 * phase.duration().toMillis() / Math.max(1, longest);
			html.append("<div class=\"row\"><span class=\"label\">")
				.append(e(phase.name()))
				.append("</span><span class=\"bar\" style=\"width:")
				.append(String.format(Locale.ROOT, "%.1f", Math.max(0.5, width) * 0.7))
				.append("%\"></span>")
				.append("<span class=\"value\">")
				.append(seconds(phase.duration()))
				.append("</span></div>\n");
		}
		html.append("</div>\n<p class=\"foot\">Written by redoubt verify. The same result is stored, signed, beside"
				+ " the backup in every region, and shown by <code>redoubt info</code>.</p>\n</body>\n</html>\n");
		return html.toString();
	}

	private static void fact(StringBuilder html, String name, String value) {
		html.append("<tr><th>").append(e(name)).append("</th><td>").append(e(value)).append("</td></tr>\n");
	}

	private static String seconds(Duration duration) {
		return String.format(Locale.ROOT, "%.2f s", duration.toMillis() / 1000.0);
	}

	private static String e(String text) {
		return Markup.escape(text);
	}

	private static final String STYLE = """
			body { font-family: system-ui, sans-serif; margin: 2em; color: #1d2430; max-width: 70em; }
			h1 { font-size: 1.6em; margin-bottom: .3em; }
			.verdict { font-size: 1.3em; font-weight: 600; padding: .4em .8em; display: inline-block; border-radius: 4px; }
			.verdict.ok { background: #dff3e4; color: #12602b; }
			.verdict.bad { background: #fbe1e1; color: #8a1c1c; }
			table { border-collapse: collapse; margin: .8em 0; }
			.facts th { text-align: left; padding: .2em 1em .2em 0; font-weight: 500; color: #555; }
			.checks th, .checks td { border: 1px solid #d8dde5; padding: .35em .6em; vertical-align: top; text-align: left; }
			.checks th { background: #f2f4f7; }
			.checks code { color: #667; font-size: .85em; }
			.checks td:nth-child(3), .checks td:nth-child(4) { white-space: nowrap; }
			tr.passed .status { color: #12602b; font-weight: 600; }
			tr.failed { background: #fdf0f0; }
			tr.failed .status { color: #8a1c1c; font-weight: 600; }
			tr.skipped { color: #888; }
			.chart .row { display: flex; align-items: center; margin: .25em 0; }
			.chart .label { width: 11em; color: #444; }
			.chart .bar { display: inline-block; height: 1.1em; background: #4a78c2; border-radius: 2px; }
			.chart .value { margin-left: .6em; color: #444; font-variant-numeric: tabular-nums; }
			.foot { margin-top: 2em; color: #777; font-size: .9em; }
			""";

}
