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
 * @param files every member of the tar stream, in order, so a restore can read a subset
 * without the rest; {@code null} in manifests written before it existed (those restore
 * whole)
 * @param databases the cluster's databases when the backup ran; {@code null} before
 * @param relations the files of user tables, TOAST tables, indexes and materialized views
 * that belonged to the same table both just before and just after the backup: a restore
 * of other tables may leave them out; {@code null} before
 */
public record BaseBackupManifest(int formatVersion, String backupId, String type, Instant startedAt,
		Instant completedAt, Manifest.SourceIdentity source, int timeline, String startLsn, String stopLsn,
		Instant stopTime, long walSegmentBytes, String superuser, WrappedDataKey dataKey, long tarBytes,
		List<ChunkRef> chunks, String pgBasebackup, Long sequence, List<TarMember> files, List<Database> databases,
		List<RelationFile> relations) implements SignedManifest {

	/** A manifest without a sequence (tests, and manifests of older releases). */
	public BaseBackupManifest(int formatVersion, String backupId, String type, Instant startedAt, Instant completedAt,
			Manifest.SourceIdentity source, int timeline, String startLsn, String stopLsn, Instant stopTime,
			long walSegmentBytes, String superuser, WrappedDataKey dataKey, long tarBytes, List<ChunkRef> chunks,
			String pgBasebackup) {
		this(formatVersion, backupId, type, startedAt, completedAt, source, timeline, startLsn, stopLsn, stopTime,
				walSegmentBytes, superuser, dataKey, tarBytes, chunks, pgBasebackup, null, null, null, null);
	}

	/**
	 * One member of the tar stream.
	 *
	 * @param path its name in the tar, relative to the data directory
	 * @param offset where its first header block starts in the tar stream (extended
	 * headers included) (it ends where the next member starts, the last one where the
	 * stream ends)
	 * @param size its data's size (0 for a directory or link)
	 */
	public record TarMember(String path, long offset, long size) {
	}

	/**
	 * A database of the cluster.
	 *
	 * @param oid its OID: its files are under {@code base/<oid>/}
	 * @param name its name
	 */
	public record Database(long oid, String name) {
	}

	/**
	 * A relation file (all its forks and segments) and the table it serves.
	 *
	 * @param database the database's OID
	 * @param filenode the file's number under {@code base/<database>/}
	 * @param schema the schema of the table the file belongs to (the table itself, or the
	 * table of the TOAST table, index or TOAST index)
	 * @param table that table's name
	 * @param rootSchema the schema of the partitioned table at the root of its tree, or
	 * {@code null}
	 * @param rootTable that table's name, or {@code null}
	 * @param kind the file's relation: {@code r} the table itself, {@code m} a
	 * materialized view, {@code t} its TOAST table, {@code i} an index of either
	 */
	public record RelationFile(long database, long filenode, String schema, String table, String rootSchema,
			String rootTable, String kind) {
	}

	public static final String TYPE = "base";

	/**
	 * Base backups of a source live apart from its logical ones, under this source key.
	 */
	public static String area(String source) {
		return source + "/base";
	}

	/** Whether {@code area} is the base backups' area of a source. */
	public static boolean isArea(String area) {
		return area.endsWith("/base");
	}

}
