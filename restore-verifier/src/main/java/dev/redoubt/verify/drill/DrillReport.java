package dev.redoubt.verify.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a drill did and proved: the contract of the JSON report and of the signed record
 * stored in every surviving region (format version 1; fields are only ever added).
 * Durations are in seconds.
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param type {@code physical} (the newest base backup and the archived WAL) or
 * {@code logical} (the newest logical backup)
 * @param verdict the outcome; {@code reasons} says why it is not {@code PASS}
 * @param disasterAt T: the moment the drill declared the region lost
 * @param usableAt when the recovered database accepted connections, was consistent and
 * passed its checks; {@code null} if it never did
 * @param lostRegion the region treated as gone: nothing was read from it
 * @param survivingRegions the regions recovered from
 * @param rto the recovery time from T to a usable database, and its target
 * @param rpo T minus the newest commit the recovered database holds, and its target
 * @param phases each phase of the recovery and its wall time, in order
 * @param recovered what was recovered, from what
 * @param checks the checks of the recovered database, in order
 * @param environment where the drill ran: sandbox kind, PostgreSQL version, host
 * @param keptSandbox the sandbox kept for inspection ({@code --keep-on-failure}), else
 * {@code null}
 */
public record DrillReport(int formatVersion, String source, String type, DrillVerdict verdict, List<String> reasons,
		Instant disasterAt, Instant finishedAt, Instant usableAt, String lostRegion, List<String> survivingRegions,
		Measure rto, Measure rpo, List<Phase> phases, Recovered recovered, List<Check> checks,
		Map<String, String> environment, String keptSandbox) {

	public static final int FORMAT_VERSION = 1;

	/**
	 * A measured duration against its target.
	 *
	 * @param seconds measured; {@code null} if the drill did not get that far
	 * @param targetSeconds the target, or {@code null} if none was set
	 * @param met whether the target was met; {@code null} if either is missing
	 * @param basis how it was measured (for RPO: the newest commit recovered, or the
	 * backup's snapshot)
	 */
	public record Measure(Double seconds, Double targetSeconds, Boolean met, String basis) {

		static Measure of(Duration measured, Duration target, String basis) {
			Double seconds = (measured == null) ? null : DrillReport.seconds(measured);
			Double targetSeconds = (target == null) ? null : DrillReport.seconds(target);
			Boolean met = (seconds == null || targetSeconds == null) ? null : seconds <= targetSeconds;
			return new Measure(seconds, targetSeconds, met, basis);
		}

	}

	/** A phase of the recovery: choose the backup, fetch and unpack, replay, checks. */
	public record Phase(String name, double seconds) {
	}

	/**
	 * @param backupId the backup recovered
	 * @param backupTakenAt its snapshot (logical) or end (physical) time
	 * @param newestCommit the commit time of the newest transaction the recovered
	 * database holds, as PostgreSQL reported it at the end of recovery (physical), or the
	 * backup's snapshot time (logical)
	 * @param walFiles WAL files replayed (physical)
	 * @param stoppedAt what PostgreSQL reported where it stopped (physical)
	 * @param timeline the timeline the recovered cluster runs on (physical)
	 * @param missingSegments WAL segments the source reported archived that no surviving
	 * region holds: the data loss the region's loss would cause
	 * @param backupBytes the backup's size as unpacked (physical: its tar stream), for
	 * the throughput a projected RTO is computed from
	 */
	public record Recovered(String backupId, Instant backupTakenAt, Instant newestCommit, Integer walFiles,
			List<String> stoppedAt, Integer timeline, List<String> missingSegments, Long backupBytes) {
	}

	/** A check of the recovered database. */
	public record Check(String id, String title, String status, String detail, double seconds) {
	}

	public boolean passed() {
		return this.verdict == DrillVerdict.PASS;
	}

	static double seconds(Duration duration) {
		return duration.toNanos() / 1_000_000_000.0;
	}

}
