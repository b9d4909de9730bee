package dev.redoubt.core.manifest;

import java.time.Instant;
import java.util.List;

import dev.redoubt.core.key.WrappedDataKey;

/**
 * Everything needed to restore one backup and to prove the restore right. A backup exists
 * if and only if its manifest exists in every region; see {@code docs/format.md} for each
 * field.
 *
 * @param formatVersion the repository format version this manifest follows
 * @param backupId the backup's id
 * @param type {@code logical}
 * @param startedAt when the backup started
 * @param completedAt when its last chunk was durable
 * @param source the database the backup was taken from
 * @param snapshot the consistent point the data reflects
 * @param dataKey the backup's data key, wrapped
 * @param schema the {@code pg_dump --schema-only -Fc} archive
 * @param tables every table with rows, leaf partitions included
 * @param sequences every sequence with its value at the snapshot
 * @param largeObjects large objects
 * @param materializedViews populated materialized views, refreshed after a restore
 * @param tools versions of the client tools used
 * @param schemaVersion the newest migration recorded by a migrations table (Flyway,
 * Liquibase, Rails or configured), or {@code null} when the database has none
 * @param sequence this backup's place among the source's logical backups (1, 2, …), one
 * above the newest before it; {@code null} in manifests written before it existed
 */
public record Manifest(int formatVersion, String backupId, String type, Instant startedAt, Instant completedAt,
		SourceIdentity source, Snapshot snapshot, WrappedDataKey dataKey, ChunkRef schema, List<TableEntry> tables,
		List<SequenceEntry> sequences, LargeObjects largeObjects, List<String> materializedViews, Tools tools,
		SchemaVersion schemaVersion, Long sequence) implements SignedManifest {

	/** A manifest without a sequence (tests, and manifests of older releases). */
	public Manifest(int formatVersion, String backupId, String type, Instant startedAt, Instant completedAt,
			SourceIdentity source, Snapshot snapshot, WrappedDataKey dataKey, ChunkRef schema, List<TableEntry> tables,
			List<SequenceEntry> sequences, LargeObjects largeObjects, List<String> materializedViews, Tools tools,
			SchemaVersion schemaVersion) {
		this(formatVersion, backupId, type, startedAt, completedAt, source, snapshot, dataKey, schema, tables,
				sequences, largeObjects, materializedViews, tools, schemaVersion, null);
	}

	/** Every chunk of the backup: the schema, each table's, the large objects'. */
	public List<ChunkRef> allChunks() {
		List<ChunkRef> all = new java.util.ArrayList<>();
		all.add(this.schema);
		this.tables.forEach((table) -> all.addAll(table.chunks()));
		all.addAll(this.largeObjects.chunks());
		return all;
	}

	/** A copy with another wrapped data key (wrapping is randomized). */
	public Manifest withDataKey(WrappedDataKey key) {
		return new Manifest(this.formatVersion, this.backupId, this.type, this.startedAt, this.completedAt, this.source,
				this.snapshot, key, this.schema, this.tables, this.sequences, this.largeObjects, this.materializedViews,
				this.tools, this.schemaVersion, this.sequence);
	}

	/**
	 * The format version of a backup whose chunks are its own ({@code RDB1} objects under
	 * its own data key, in its own directory): every base backup, and a logical backup
	 * whose repository cannot share chunks.
	 */
	public static final int FORMAT_VERSION = 1;

	/**
	 * The format version of a logical backup whose chunks may be shared with other
	 * backups of its source: {@code <source>/chunks/<id>}, {@code RDB2} objects under
	 * keys of their own. This build reads versions 1 and 2.
	 */
	public static final int FORMAT_VERSION_SHARED_CHUNKS = 2;

	/** The newest format version this build reads. */
	public static final int NEWEST_FORMAT_VERSION = FORMAT_VERSION_SHARED_CHUNKS;

	/** The database a backup was taken from. */
	public record SourceIdentity(String name, String systemIdentifier, String serverVersion, int serverVersionNum,
			String database) {
	}

	/**
	 * The consistent point of a logical backup: the exported snapshot's WAL position and
	 * time.
	 */
	public record Snapshot(String lsn, Instant time) {
	}

	/** Versions of the PostgreSQL client tools the backup used. */
	public record Tools(String pgDump) {
	}

	/**
	 * A sequence and its value as {@code setval(name, lastValue, isCalled)} restores it.
	 */
	public record SequenceEntry(String schema, String name, long lastValue, boolean isCalled) {
	}

	/**
	 * The application schema's version as its migrations table records it.
	 *
	 * @param table the migrations table, {@code schema.name}
	 * @param tool {@code flyway}, {@code liquibase}, {@code rails} or {@code configured}
	 * @param version the newest applied migration
	 */
	public record SchemaVersion(String table, String tool, String version) {
	}

	/**
	 * Every large object, as rows of its {@code columns}.
	 *
	 * @param count how many
	 * @param chunks the rows
	 * @param columns {@code [oid, data, owner, acl]} (owner's role name and the
	 * {@code aclitem[]} text, so that owners and grants come back); {@code null} in
	 * backups of format 1 and 2 before 2026-12, whose rows are {@code (oid, data)}
	 */
	public record LargeObjects(long count, List<ChunkRef> chunks, List<String> columns) {

		/** The columns of each row of this backup's large-object chunks. */
		public static final List<String> COLUMNS = List.of("oid", "data", "owner", "acl");

		public LargeObjects(long count, List<ChunkRef> chunks) {
			this(count, chunks, COLUMNS);
		}

		/** Whether the rows carry each object's owner and grants. */
		public boolean withOwnersAndGrants() {
			return COLUMNS.equals(this.columns);
		}

	}

}
