package dev.redoubt.service.catalog;

import java.time.Instant;
import java.util.List;

/**
 * What the catalog holds about one source: a copy of what its repository says, so the API
 * and the metrics answer without listing every region.
 *
 * @param source the source's name
 * @param backups its restorable backups, logical and base, newest first
 * @param verifications every verification record of those backups
 * @param wal the archived WAL, one window per timeline
 */
public record CatalogEntries(String source, List<Backup> backups, List<Verification> verifications,
		List<WalWindow> wal) {

	/** The newest verification record of one backup (records are kept oldest first). */
	public java.util.Optional<Verification> newestVerification(String backupId) {
		return this.verifications.stream().filter((v) -> v.backupId().equals(backupId)).reduce((a, b) -> b);
	}

	/**
	 * @param id backup id
	 * @param type {@code logical} or {@code base}
	 * @param status {@code complete} or {@code degraded} (its manifest missing in a
	 * region)
	 * @param startedAt when it started
	 * @param completedAt when its last chunk was durable
	 * @param storedBytes bytes stored per region
	 * @param rows rows of a logical backup, {@code -1} for a base backup
	 */
	public record Backup(String id, String type, String status, Instant startedAt, Instant completedAt,
			long storedBytes, long rows) {

		public long durationMillis() {
			return this.completedAt.toEpochMilli() - this.startedAt.toEpochMilli();
		}

	}

	/**
	 * @param backupId the backup verified
	 * @param region the region whose copy was restored
	 * @param finishedAt when the verification ended
	 * @param verified its verdict
	 * @param restoreSeconds the measured restore time
	 * @param failedChecks the checks that did not pass
	 */
	public record Verification(String backupId, String region, Instant finishedAt, boolean verified,
			double restoreSeconds, List<String> failedChecks) {
	}

	/**
	 * @param timeline the timeline
	 * @param first its oldest archived segment
	 * @param last its newest archived segment
	 * @param segments how many segments are archived on it
	 */
	public record WalWindow(int timeline, String first, String last, int segments) {
	}

}
