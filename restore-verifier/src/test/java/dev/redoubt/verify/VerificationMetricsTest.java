package dev.redoubt.verify;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;

import static org.assertj.core.api.Assertions.assertThat;

class VerificationMetricsTest {

	static final Instant NOW = Instant.parse("2026-11-21T06:00:00Z");

	SimpleMeterRegistry registry = new SimpleMeterRegistry();

	VerificationMetrics metrics = new VerificationMetrics(this.registry, Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void countsOutcomesTimesRestoresAndAgesTheNewestVerifiedBackup() {
		this.metrics.record(report(CheckStatus.PASSED), Instant.parse("2026-11-21T02:00:00Z"));
		this.metrics.record(report(CheckStatus.FAILED), null);

		assertThat(this.registry.get("redoubt.verification.runs")
			.tags("source", "shop", "outcome", "verified")
			.counter()
			.count()).isEqualTo(1);
		assertThat(this.registry.get("redoubt.verification.runs")
			.tags("source", "shop", "outcome", "failed")
			.counter()
			.count()).isEqualTo(1);
		assertThat(this.registry.get("redoubt.verification.restore.duration").tags("source", "shop").timer().count())
			.isEqualTo(2);
		assertThat(this.registry.get("redoubt.verification.last.verified.age").tags("source", "shop").gauge().value())
			.isEqualTo(4 * 3600.0);
	}

	@Test
	void aFailedVerificationDoesNotRefreshTheAge() {
		this.metrics.record(report(CheckStatus.PASSED), Instant.parse("2026-11-20T06:00:00Z"));
		this.metrics.record(report(CheckStatus.FAILED), Instant.parse("2026-11-21T05:00:00Z"));

		assertThat(this.registry.get("redoubt.verification.last.verified.age").gauge().value()).isEqualTo(86400.0);
	}

	@Test
	void aRegisteredSourceNeverVerifiedHasEverySeriesAtZero() {
		this.metrics.register("shop");

		for (String outcome : List.of("verified", "failed")) {
			assertThat(this.registry.get("redoubt.verification.runs")
				.tags("source", "shop", "outcome", outcome)
				.counter()
				.count()).isZero();
		}
		assertThat(this.registry.get("redoubt.verification.last.verified.timestamp").gauge().value()).isZero();
		assertThat(this.registry.get("redoubt.verification.last.verified.age").gauge().value()).isNaN();

		this.metrics.record(report(CheckStatus.PASSED), Instant.parse("2026-11-21T02:00:00Z"));
		assertThat(this.registry.get("redoubt.verification.last.verified.timestamp").gauge().value())
			.isEqualTo(Instant.parse("2026-11-21T02:00:00Z").getEpochSecond());
	}

	private static VerificationReport report(CheckStatus status) {
		return new VerificationReport("shop", "20261121T020000Z-3fa2", "eu-west", NOW.minusSeconds(30), NOW, "local",
				"15.18", Duration.ofSeconds(12), List.of(),
				List.of(new CheckResult("content-hash", "Content hash", status, "…", Duration.ofSeconds(3))), null,
				null);
	}

}
