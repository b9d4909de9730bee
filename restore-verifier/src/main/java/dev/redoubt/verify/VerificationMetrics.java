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
 * verified backup was taken; NaN while none is)</li>
 * <li>{@code redoubt.verification.last.verified.timestamp} (gauge, when the newest
 * verified backup was taken, epoch seconds; 0 while none is: the basis of the "never
 * verified" and "no proven backup for two days" alerts)</li>
 * </ul>
 * Every series of a source exists from {@link #register} on, at zero, so that
 * {@code increase()} sees its first failure and a source never verified shows as such.
 */
public final class VerificationMetrics {

	private final MeterRegistry registry;

	private final Clock clock;

	private final Map<String, Instant> lastVerifiedBackup = new ConcurrentHashMap<>();

	public VerificationMetrics(MeterRegistry registry, Clock clock) {
		this.registry = registry;
		this.clock = clock;
	}

	/** Registers every series of {@code source} at zero. */
	public void register(String source) {
		for (String outcome : new String[] { "verified", "failed" }) {
			runs(source, outcome);
		}
		Gauge
			.builder("redoubt.verification.last.verified.age", this,
					(metrics) -> metrics.secondsSinceLastVerified(source))
			.description("Seconds since the newest verified backup of the source was taken (NaN: none is)")
			.tag("source", source)
			.baseUnit("seconds")
			.register(this.registry);
		Gauge
			.builder("redoubt.verification.last.verified.timestamp", this,
					(metrics) -> metrics.lastVerifiedEpochSeconds(source))
			.description("When the newest verified backup of the source was taken (epoch seconds; 0: none is)")
			.tag("source", source)
			.baseUnit("seconds")
			.register(this.registry);
	}

	private Counter runs(String source, String outcome) {
		return Counter.builder("redoubt.verification.runs")
			.description("Verifications run, by outcome")
			.tag("source", source)
			.tag("outcome", outcome)
			.register(this.registry);
	}

	/**
	 * Records a verification.
	 * @param backupTakenAt when the verified backup's snapshot was taken
	 */
	public void record(VerificationReport report, Instant backupTakenAt) {
		runs(report.source(), report.verified() ? "verified" : "failed").increment();
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
		if (!this.lastVerifiedBackup.containsKey(source)) {
			register(source); // a gauge registered again is the one registered first
		}
		this.lastVerifiedBackup.merge(source, backupTakenAt, (old, taken) -> taken.isAfter(old) ? taken : old);
	}

	double lastVerifiedEpochSeconds(String source) {
		Instant taken = this.lastVerifiedBackup.get(source);
		return (taken == null) ? 0 : taken.toEpochMilli() / 1000.0;
	}

	double secondsSinceLastVerified(String source) {
		Instant taken = this.lastVerifiedBackup.get(source);
		return (taken == null) ? Double.NaN : (this.clock.millis() - taken.toEpochMilli()) / 1000.0;
	}

}
