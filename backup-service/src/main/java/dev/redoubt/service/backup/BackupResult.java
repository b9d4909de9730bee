package dev.redoubt.service.backup;

import java.time.Duration;

/**
 * What a completed backup wrote.
 *
 * @param backupId the new backup's id
 * @param tables tables with rows backed up
 * @param rows rows in all tables
 * @param chunks chunks written (schema included)
 * @param plainBytes plaintext bytes
 * @param storedBytes bytes stored per region
 * @param duration wall time
 * @param uploadedBytes of {@code storedBytes}, those this backup uploaded: all of them,
 * unless chunks are shared with the source's other backups
 */
public record BackupResult(String backupId, int tables, long rows, int chunks, long plainBytes, long storedBytes,
		Duration duration, long uploadedBytes) {

	public BackupResult(String backupId, int tables, long rows, int chunks, long plainBytes, long storedBytes,
			Duration duration) {
		this(backupId, tables, rows, chunks, plainBytes, storedBytes, duration, storedBytes);
	}

}
