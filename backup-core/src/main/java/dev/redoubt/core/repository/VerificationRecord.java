package dev.redoubt.core.repository;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of one verification of one backup in one region, stored signed beside the
 * backup in every region ({@code docs/format.md}). A backup counts as verified when its
 * newest record says so.
 *
 * @param formatVersion version of this record's format
 * @param source the source
 * @param backupId the verified backup
 * @param region the region whose copy was restored
 * @param verified true only when every check passed
 * @param startedAt when the verification started
 * @param finishedAt when it ended
 * @param restoreSeconds wall time of the restore into the sandbox: the measured RTO
 * @param sandbox {@code local} or {@code testcontainers}
 * @param serverVersion PostgreSQL version of the sandbox
 * @param checks each check's outcome
 */
public record VerificationRecord(int formatVersion, String source, String backupId, String region, boolean verified,
		Instant startedAt, Instant finishedAt, double restoreSeconds, String sandbox, String serverVersion,
		List<Check> checks) {

	/** Whether the newest of a backup's records, oldest first, says it verified. */
	public static boolean newestVerified(List<VerificationRecord> records) {
		return !records.isEmpty() && records.get(records.size() - 1).verified();
	}

	public static final int FORMAT_VERSION = 1;

	/**
	 * One check's outcome.
	 *
	 * @param id stable identifier, e.g. {@code content-hash}
	 * @param status {@code passed}, {@code failed} or {@code skipped}
	 * @param detail what was found
	 */
	public record Check(String id, String status, String detail) {
	}

}
