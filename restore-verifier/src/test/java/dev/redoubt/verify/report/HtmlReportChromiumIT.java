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
