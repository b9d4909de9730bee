package dev.redoubt.service.backup;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Tuning of a logical backup.
 *
 * @param workers parallel COPY sessions
 * @param chunkBytes plaintext bytes after which a chunk is cut (at a row boundary)
 * @param compressionLevel zstd level
 * @param lockTimeout how long to wait for the ACCESS SHARE locks
 * @param pgDump an explicit pg_dump, or {@code null} to find one of the server's version
 */
public record BackupSettings(int workers, long chunkBytes, int compressionLevel, Duration lockTimeout, Path pgDump) {

	public static BackupSettings defaults() {
		return new BackupSettings(Runtime.getRuntime().availableProcessors(), 32L << 20, 1, Duration.ofSeconds(30),
				null);
	}

}
