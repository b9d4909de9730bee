package dev.redoubt.verify;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Verification metrics, per source:
 * <ul>
 * <li>{@code redoubt.verification.runs} (counter, tag {@code outcome}: verified or
 * failed)</li>
 * <li>{@code redoubt.verification.restore.duration} (timer: the measured restore
 * time)</li>
 * <li>{@code redoubt.verification.last.verified.age} (gauge, seconds since the newest
 * verified backup was taken; the basis of a "no proven backup for a day" alert)</li>
 * </ul>
 */
public final class VerificationMetrics {

	private final MeterRegistry registry;

	private final Clock clock;

	private final Map<String, Instant> lastVerifiedBackup = new ConcurrentHashMap<>();

	public VerificationMetrics(MeterRegistry registry, Clock clock) {
		this.registry = registry;
		this.clock = clock;
	}

	/**
	 * Records a verification.
	 * @param backupTakenAt when the verified backup's snapshot was taken
	 */
	public void record(VerificationReport report, Instant backupTakenAt) {
		Counter.builder("redoubt.verification.runs")
			.description("Verifications run, by outcome")
			.tag("source", report.source())
			.tag("outcome", report.verified() ? "verified" : "failed")
			.register(this.registry)
			.increment();
		if (report.restoreDuration() != null) {
			Timer.builder("redoubt.verification.restore.duration")
				.description("Wall time of the restore into the sandbox (measured RTO)")
				.tag("source", report.source())
				.register(this.registry)
				.record(report.restoreDuration());
		}
		if (report.verified() && backupTakenAt != null) {
			lastVerified(report.source(), backupTakenAt);
		}
	}

	/** Notes the newest verified backup of a source (also from records read at start). */
	public void lastVerified(String source, Instant backupTakenAt) {
		Instant previous = this.lastVerifiedBackup.get(source);
		if (previous == null || backupTakenAt.isAfter(previous)) {
			this.lastVerifiedBackup.put(source, backupTakenAt);
		}
		if (previous != null) {
			// registered with the first; a gauge registered twice only draws a warning
			return;
		}
		Gauge
			.builder("redoubt.verification.last.verified.age", this,
					(metrics) -> metrics.secondsSinceLastVerified(source))
			.description("Seconds since the newest verified backup of the source was taken")
			.tag("source", source)
			.baseUnit("seconds")
			.register(this.registry);
	}

	double secondsSinceLastVerified(String source) {
		Instant taken = this.lastVerifiedBackup.get(source);
		return (taken == null) ? Double.NaN : (this.clock.millis() - taken.toEpochMilli()) / 1000.0;
	}

}
