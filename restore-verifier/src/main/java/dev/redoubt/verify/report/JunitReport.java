package dev.redoubt.verify.report;

import java.util.Locale;

import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;

/**
 * The JUnit XML report (the de-facto format every CI system shows): one test suite per
 * verification, one test case per check, a failure element for a red check and a skipped
 * element for one that could not run.
 */
public final class JunitReport {

	private JunitReport() {
	}

	public static String render(VerificationReport report) {
		long failures = report.checks().stream().filter((c) -> c.status() == CheckStatus.FAILED).count();
		long skipped = report.checks().stream().filter((c) -> c.status() == CheckStatus.SKIPPED).count();
		String suite = "redoubt.verify." + report.source() + "." + report.backupId();
		StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		xml.append(String.format(Locale.ROOT,
				"<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\""
						+ " timestamp=\"%s\">%n",
				escape(suite), report.checks().size(), failures, skipped, JsonReport.seconds(report.total()),
				report.startedAt()));
		xml.append("  <properties>\n");
		property(xml, "region", report.region());
		property(xml, "sandbox", report.sandboxKind());
		property(xml, "serverVersion", report.serverVersion());
		property(xml, "restoreSeconds", (report.restoreDuration() == null) ? ""
				: Double.toString(JsonReport.seconds(report.restoreDuration())));
		xml.append("  </properties>\n");
		for (CheckResult check : report.checks()) {
			xml.append(String.format(Locale.ROOT, "  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
					escape(suite), escape(check.id() + ": " + check.title()), JsonReport.seconds(check.duration())));
			switch (check.status()) {
				case PASSED -> xml.append(">\n    <system-out>")
					.append(escape(check.detail()))
					.append("</system-out>\n  </testcase>\n");
				case FAILED -> xml.append(">\n    <failure message=\"")
					.append(escape(check.detail()))
					.append("\" type=\"")
					.append(escape(check.id()))
					.append("\"/>\n  </testcase>\n");
				case SKIPPED -> xml.append(">\n    <skipped message=\"")
					.append(escape(check.detail()))
					.append("\"/>\n  </testcase>\n");
			}
		}
		xml.append("</testsuite>\n");
		return xml.toString();
	}

	private static void property(StringBuilder xml, String name, String value) {
		xml.append("    <property name=\"")
			.append(escape(name))
			.append("\" value=\"")
			.append(escape((value == null) ? "" : value))
			.append("\"/>\n");
	}

	private static String escape(String text) {
		return Markup.escape(text);
	}

}
