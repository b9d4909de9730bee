package dev.redoubt.core.manifest;

import java.time.Instant;
import java.util.List;

import dev.redoubt.core.key.WrappedDataKey;

/**
 * A physical base backup: the {@code pg_basebackup} tar stream (WAL needed for
 * consistency included) cut into chunks, and where in the WAL it starts and ends. Stored
 * under the source's {@code base} area (see {@link #area}); see {@code docs/format.md}.
 *
 * @param formatVersion the repository format version
 * @param backupId the backup's id
 * @param type {@code base}
 * @param startedAt when the backup started (this host's clock)
 * @param completedAt when its last chunk was durable
 * @param source the cluster, by the configured source's name and its system identifier
 * @param timeline the timeline the backup was taken on
 * @param startLsn the backup's start (redo) point
 * @param stopLsn the point recovery must reach for the copy to be consistent
 * @param stopTime the server's clock when the backup ended: a recovery target before it
 * needs an older base backup
 * @param walSegmentBytes the cluster's {@code wal_segment_size}
 * @param superuser the bootstrap superuser, which a restore connects as
 * @param dataKey the backup's data key, wrapped
 * @param tarBytes size of the tar stream
 * @param chunks the tar stream's chunks, in order
 * @param pgBasebackup version of the tool used
 * @param sequence this backup's place among the source's base backups (1, 2, …);
 * {@code null} in manifests written before it existed
 */
public record BaseBackupManifest(int formatVersion, String backupId, String type, Instant startedAt,
		Instant completedAt, Manifest.SourceIdentity source, int timeline, String startLsn, String stopLsn,
		Instant stopTime, long walSegmentBytes, String superuser, WrappedDataKey dataKey, long tarBytes,
		List<ChunkRef> chunks, String pgBasebackup, Long sequence) implements SignedManifest {

	/** A manifest without a sequence (tests, and manifests of older releases). */
	public BaseBackupManifest(int formatVersion, String backupId, String type, Instant startedAt, Instant completedAt,
			Manifest.SourceIdentity source, int timeline, String startLsn, String stopLsn, Instant stopTime,
			long walSegmentBytes, String superuser, WrappedDataKey dataKey, long tarBytes, List<ChunkRef> chunks,
			String pgBasebackup) {
		this(formatVersion, backupId, type, startedAt, completedAt, source, timeline, startLsn, stopLsn, stopTime,
				walSegmentBytes, superuser, dataKey, tarBytes, chunks, pgBasebackup, null);
	}

	public static final String TYPE = "base";

	/**
	 * Base backups of a source live apart from its logical ones, under this source key.
	 */
	public static String area(String source) {
		return source + "/base";
	}

}
