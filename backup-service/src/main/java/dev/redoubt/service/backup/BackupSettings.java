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
 * @param migrationsTable a configured migrations table ({@code schema.table}), or
 * {@code null} to look for Flyway's, Liquibase's and Rails'
 * @param migrationsColumn its version column, or {@code null} for {@code version}
 * @param sharedChunks share chunks with the source's other backups where the keys allow
 * it (format 2)
 */
public record BackupSettings(int workers, long chunkBytes, int compressionLevel, Duration lockTimeout, Path pgDump,
		String migrationsTable, String migrationsColumn, boolean sharedChunks) {

	public static BackupSettings defaults() {
		return new BackupSettings(Runtime.getRuntime().availableProcessors(), 32L << 20, 1, Duration.ofSeconds(30),
				null, null, null, false);
	}

	public BackupSettings(int workers, long chunkBytes, int compressionLevel, Duration lockTimeout, Path pgDump) {
		this(workers, chunkBytes, compressionLevel, lockTimeout, pgDump, null, null, false);
	}

	/** The same settings, sharing chunks or not. */
	public BackupSettings withSharedChunks(boolean share) {
		return new BackupSettings(this.workers, this.chunkBytes, this.compressionLevel, this.lockTimeout, this.pgDump,
				this.migrationsTable, this.migrationsColumn, share);
	}

}
