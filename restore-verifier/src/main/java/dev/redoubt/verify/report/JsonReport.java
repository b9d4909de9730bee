package dev.redoubt.verify.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.check.CheckResult;

/**
 * The JSON report, a stable contract ({@code docs/verification.md}): field names and
 * meanings only ever get added to, never changed.
 */
public final class JsonReport {

	public static final int FORMAT_VERSION = 1;

	private JsonReport() {
	}

	public static Map<String, Object> toMap(VerificationReport report) {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("formatVersion", FORMAT_VERSION);
		root.put("source", report.source());
		root.put("backupId", report.backupId());
		root.put("region", report.region());
		root.put("verified", report.verified());
		root.put("startedAt", report.startedAt().toString());
		root.put("finishedAt", report.finishedAt().toString());
		root.put("totalSeconds", seconds(report.total()));
		root.put("restoreSeconds", (report.restoreDuration() == null) ? null : seconds(report.restoreDuration()));
		Map<String, Object> sandbox = new LinkedHashMap<>();
		sandbox.put("kind", report.sandboxKind());
		sandbox.put("serverVersion", report.serverVersion());
		root.put("sandbox", sandbox);
		if (report.schemaVersion() != null) {
			root.put("schemaVersion", Map.of("table", report.schemaVersion().table(), "tool",
					report.schemaVersion().tool(), "version", String.valueOf(report.schemaVersion().version())));
		}
		root.put("phases",
				report.phases()
					.stream()
					.map((p) -> Map.<String, Object>of("name", p.name(), "seconds", seconds(p.duration())))
					.toList());
		root.put("checks", checks(report.checks()));
		return root;
	}

	private static List<Map<String, Object>> checks(List<CheckResult> checks) {
		return checks.stream().map((c) -> {
			Map<String, Object> check = new LinkedHashMap<>();
			check.put("id", c.id());
			check.put("title", c.title());
			check.put("status", c.status().label());
			check.put("detail", c.detail());
			check.put("seconds", seconds(c.duration()));
			return check;
		}).toList();
	}

	public static String render(VerificationReport report) {
		return ManifestCodec.json().writeValueAsString(toMap(report)) + "\n";
	}

	static double seconds(java.time.Duration duration) {
		return Math.round(duration.toMillis()) / 1000.0;
	}

}
