package dev.redoubt.verify;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.redoubt.core.manifest.Manifest.SchemaVersion;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.verify.check.CheckResult;

/**
 * Everything a verification found, from which the JSON, HTML and JUnit reports and the
 * repository's verification record are written.
 *
 * @param source the source
 * @param backupId the verified backup
 * @param region the region whose copy was restored
 * @param startedAt when the verification started
 * @param finishedAt when it ended
 * @param sandboxKind {@code local} or {@code testcontainers}, or {@code none} if the
 * manifest check failed before a sandbox was needed
 * @param serverVersion the sandbox's PostgreSQL version
 * @param restoreDuration wall time of the restore: the measured recovery time
 * @param phases each phase and its wall time, in order
 * @param checks every check, in order
 * @param schemaVersion the schema version the manifest records, or {@code null}
 * @param backupTakenAt the backup's snapshot time, or {@code null} if its manifest could
 * not be trusted
 */
public record VerificationReport(String source, String backupId, String region, Instant startedAt, Instant finishedAt,
		String sandboxKind, String serverVersion, Duration restoreDuration, List<Phase> phases,
		List<CheckResult> checks, SchemaVersion schemaVersion, Instant backupTakenAt) {

	/** A stage of the verification and its wall time. */
	public record Phase(String name, Duration duration) {
	}

	/** True only when every check passed. */
	public boolean verified() {
		return !this.checks.isEmpty() && this.checks.stream().allMatch(CheckResult::passed);
	}

	public List<CheckResult> failures() {
		return this.checks.stream().filter((c) -> !c.passed()).toList();
	}

	public Duration total() {
		return Duration.between(this.startedAt, this.finishedAt);
	}

	public VerificationRecord toRecord() {
		return new VerificationRecord(VerificationRecord.FORMAT_VERSION, this.source, this.backupId, this.region,
				verified(), this.startedAt, this.finishedAt, seconds(this.restoreDuration), this.sandboxKind,
				this.serverVersion,
				this.checks.stream()
					.map((c) -> new VerificationRecord.Check(c.id(), c.status().label(), c.detail()))
					.toList());
	}

	static double seconds(Duration duration) {
		return (duration == null) ? 0 : duration.toMillis() / 1000.0;
	}

}
