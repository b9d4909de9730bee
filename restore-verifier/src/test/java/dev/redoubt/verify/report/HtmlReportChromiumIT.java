package dev.redoubt.verify.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Opens the HTML report in headless Chromium (Debian package {@code chromium}, installed
 * by {@code .ci/run}): the DOM Chromium builds holds the verdict, every check and the
 * phase bars, and a screenshot is rendered.
 */
class HtmlReportChromiumIT {

	@TempDir
	Path work;

	@Test
	void reportOpensInHeadlessChromium() throws Exception {
		Path chromium = Path.of("/usr/bin/chromium");
		Assumptions.assumeTrue(Files.isExecutable(chromium),
				"Chromium is not installed (apt-get install chromium); .ci/run installs it");
		Instant start = Instant.parse("2026-11-21T03:00:00Z");
		VerificationReport report = new VerificationReport("shop", "20261121T020000Z-3fa2", "eu-west", start,
				start.plusSeconds(21), "local", "15.18", Duration.ofMillis(12454),
				List.of(new VerificationReport.Phase("sandbox start", Duration.ofMillis(880)),
						new VerificationReport.Phase("restore", Duration.ofMillis(12454)),
						new VerificationReport.Phase("checks", Duration.ofMillis(6190))),
				List.of(new CheckResult("manifest", "Manifest signature and format version", CheckStatus.PASSED,
						"format version 1", Duration.ofMillis(190)),
						new CheckResult("constraints", "Foreign keys and check constraints hold", CheckStatus.FAILED,
								"foreign key <public.order_lines> violated & reported", Duration.ofMillis(1115))),
				null, start.minusSeconds(3600));
		Path html = this.work.resolve("verification.html");
		Files.writeString(html, HtmlReport.render(report));
		Path png = this.work.resolve("verification.png");

		String dom = run(chromium, "--dump-dom", html.toUri().toString());
		run(chromium, "--screenshot=" + png, "--window-size=1100,900", html.toUri().toString());

		assertThat(dom).contains("Verification failed")
			.contains("Foreign keys and check constraints hold")
			.contains("&lt;public.order_lines&gt; violated &amp; reported")
			.contains("class=\"bar\"");
		assertThat(png).exists();
		byte[] image = Files.readAllBytes(png);
		assertThat(image.length).isGreaterThan(10_000);
		assertThat(new String(image, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
	}

	@Test
	void drillReportOpensInHeadlessChromiumWithItsTrend() throws Exception {
		Path chromium = Path.of("/usr/bin/chromium");
		Assumptions.assumeTrue(Files.isExecutable(chromium),
				"Chromium is not installed (apt-get install chromium); .ci/run installs it");
		List<dev.redoubt.verify.drill.DrillReport> history = new ArrayList<>();
		Instant first = Instant.parse("2026-11-01T04:00:00Z");
		for (int week = 0; week < 5; week++) {
			history.add(drill(first.plus(Duration.ofDays(7L * week)), 40.0 + 6 * week, 2.0 + week,
					dev.redoubt.verify.drill.DrillVerdict.PASS, List.of()));
		}
		dev.redoubt.verify.drill.DrillReport failed = drill(first.plus(Duration.ofDays(35)), 95.0, 640.0,
				dev.redoubt.verify.drill.DrillVerdict.FAIL,
				List.of("RPO 10 min 40 s exceeds the target 5 min 00 s; no surviving region holds WAL "
						+ "000000010000000000000042, which the source archived <&>"));
		history.add(failed);
		Path html = this.work.resolve("drill.html");
		Files.writeString(html, DrillReports.html(failed, history));
		Path png = this.work.resolve("drill.png");

		String dom = run(chromium, "--dump-dom", html.toUri().toString());
		run(chromium, "--screenshot=" + png, "--window-size=1100,1300", html.toUri().toString());

		assertThat(dom).contains("Redoubt DR drill")
			.contains("class=\"verdict bad\">FAIL")
			.contains("no surviving region holds WAL 000000010000000000000042, which the source archived &lt;&amp;&gt;")
			.contains("WAL fetch, replay and promote")
			.contains("<svg class=\"trend\"")
			.contains("<polyline");
		assertThat(Files.readAllBytes(png).length).isGreaterThan(10_000);
	}

	private static dev.redoubt.verify.drill.DrillReport drill(Instant at, double rto, double rpo,
			dev.redoubt.verify.drill.DrillVerdict verdict, List<String> reasons) {
		return new dev.redoubt.verify.drill.DrillReport(1, "shop", "physical", verdict, reasons, at,
				at.plusSeconds((long) rto + 1), at.plusSeconds((long) rto), "eu-west", List.of("eu-central"),
				new dev.redoubt.verify.drill.DrillReport.Measure(rto, 900.0, rto <= 900, "from T to a usable database"),
				new dev.redoubt.verify.drill.DrillReport.Measure(rpo, 300.0, rpo <= 300, "the newest commit recovered"),
				List.of(new dev.redoubt.verify.drill.DrillReport.Phase("choose the backup", 0.4),
						new dev.redoubt.verify.drill.DrillReport.Phase("fetch and unpack", rto * 0.4),
						new dev.redoubt.verify.drill.DrillReport.Phase("WAL fetch, replay and promote", rto * 0.5),
						new dev.redoubt.verify.drill.DrillReport.Phase("checks", rto * 0.1)),
				new dev.redoubt.verify.drill.DrillReport.Recovered("20261106T020000Z-3fa2", at.minusSeconds(7200),
						at.minusSeconds((long) rpo), 42, List.of("redo done at 0/42000000"), 2,
						List.of("000000010000000000000042"), 4_200_000_000L),
				List.of(new dev.redoubt.verify.drill.DrillReport.Check("indexes", "Indexes are sound (amcheck)",
						"passed", "shop: 12 B-tree indexes pass bt_index_check", 1.2)),
				java.util.Map.of("sandbox", "local", "postgres", "15.18"), null);
	}

	private String run(Path chromium, String... arguments) throws Exception {
		List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
				"--disable-gpu", "--user-data-dir=" + this.work.resolve("profile")));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
		process.getOutputStream().close();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
		assertThat(process.exitValue()).as("chromium exit status").isZero();
		return out;
	}

}
