package dev.redoubt.restore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.mask.Masking;

/**
 * What a restore is asked to do: the one request of {@link RestoreEngine}, for the CLI,
 * the API's verifications and drills, and time travel alike. Built by one of three
 * builders and validated once, in {@link Builder#build()}: a request that exists is one
 * the engine can run (what only the backup can tell, such as whether a named table is in
 * it, is checked when it runs).
 * <ul>
 * <li>{@link #full(String)}: a whole logical backup into an empty database.</li>
 * <li>{@link #tables(String)}: single tables, or the rows of them a predicate selects,
 * from a logical backup, or, with {@link Builder#pointInTime}, as of a point in time,
 * read from a recovered throwaway cluster; beside the live tables, into them by a
 * conflict mode, or into a file.</li>
 * <li>{@link #cluster(String)}: point-in-time recovery of the whole cluster into a data
 * directory, left stopped ({@link RestoreEngine#recoverCluster}) or running for reading
 * ({@link RestoreEngine#recover}: verifications, drills, time travel).</li>
 * </ul>
 * Error messages name the CLI's options, which map one to one onto the builder's methods.
 */
public final class RestoreRequest {

	/** What is restored. */
	public enum Kind {

		/** A whole logical backup. */
		FULL,
		/** Single tables, from a logical backup or as of a point in time. */
		TABLES,
		/** The whole cluster, from a base backup and the WAL archive. */
		CLUSTER

	}

	private final Builder b;

	private RestoreRequest(Builder builder) {
		this.b = builder.copy();
	}

	/** A whole logical backup into an empty database ({@link Builder#target}). */
	public static Builder full(String source) {
		return new Builder(Kind.FULL, source);
	}

	/** Single tables ({@link Builder#table}, {@link Builder#schema}). */
	public static Builder tables(String source) {
		return new Builder(Kind.TABLES, source);
	}

	/**
	 * The whole cluster as of {@link Builder#pointInTime} into
	 * {@link Builder#dataDirectory}.
	 */
	public static Builder cluster(String source) {
		return new Builder(Kind.CLUSTER, source);
	}

	public Kind kind() {
		return this.b.kind;
	}

	public String source() {
		return this.b.source;
	}

	/**
	 * A backup id, or {@code latest}: for a point in time the newest base backup that
	 * ends before it.
	 */
	public String backup() {
		return this.b.backup;
	}

	/** Where to stop replaying WAL, or {@code null} for a logical restore. */
	public RecoveryTarget pointInTime() {
		return this.b.pointInTime;
	}

	public ConnectionSpec target() {
		return this.b.target;
	}

	/**
	 * The source's own database: where tables as of a point in time are read from (in the
	 * recovered cluster), and their target when none is given.
	 */
	public ConnectionSpec sourceDatabase() {
		return this.b.sourceDatabase;
	}

	public List<QualifiedName> tables() {
		return List.copyOf(this.b.tables);
	}

	public List<String> schemas() {
		return List.copyOf(this.b.schemas);
	}

	/** A predicate on the table's columns selecting rows, or {@code null} for all. */
	public String where() {
		return this.b.where;
	}

	/** {@code schema.table} to create (one table only), or {@code null}. */
	public QualifiedName into() {
		return this.b.into;
	}

	public Path toFile() {
		return this.b.toFile;
	}

	public boolean dryRun() {
		return this.b.dryRun;
	}

	/** Parallel sessions (and chunks or WAL segments fetched ahead). */
	public int jobs() {
		return this.b.jobs;
	}

	/**
	 * How restored rows meet live ones, merging into the live table; else {@code null}.
	 */
	public ConflictMode conflict() {
		return this.b.conflict;
	}

	public boolean intoExisting() {
		return this.b.conflict != null;
	}

	public boolean allowDroppedColumns() {
		return this.b.allowDroppedColumns;
	}

	public boolean disableTriggers() {
		return this.b.disableTriggers;
	}

	/** Also create foreign keys to tables that are not restored (the live ones). */
	public boolean foreignKeys() {
		return this.b.foreignKeys;
	}

	public Path dataDirectory() {
		return this.b.dataDirectory;
	}

	/** Where a recovered cluster replays: this machine's binaries, or a container. */
	public SandboxKind server() {
		return this.b.server;
	}

	/** Whether a recovered cluster left running also listens on 127.0.0.1. */
	public boolean readable() {
		return this.b.readable;
	}

	/**
	 * Where a recovered cluster paused at the target keeps its socket (time travel), or
	 * {@code null}.
	 */
	public Path pausedIn() {
		return this.b.pausedIn;
	}

	/** The masking of the rows restored, or {@code null}. */
	public Masking masking() {
		return this.b.masking;
	}

	/** How a full restore applies the schema and checks rows. */
	public RestoreOptions options() {
		return new RestoreOptions(this.b.jobs, this.b.allowNonEmpty, this.b.noOwner, this.b.verification,
				!this.b.verification);
	}

	/** The same request into another target database. */
	public RestoreRequest withTarget(ConnectionSpec other) {
		Builder builder = this.b.copy();
		builder.target = other;
		return new RestoreRequest(builder);
	}

	/**
	 * A request being built. Every setter returns the builder; {@link #build()} checks
	 * the whole.
	 */
	public static final class Builder {

		private final Kind kind;

		private final String source;

		private String backup = "latest";

		private RecoveryTarget pointInTime;

		private ConnectionSpec target;

		private ConnectionSpec sourceDatabase;

		private List<QualifiedName> tables = new ArrayList<>();

		private List<String> schemas = new ArrayList<>();

		private String where;

		private QualifiedName into;

		private Path toFile;

		private boolean dryRun;

		private int jobs = Runtime.getRuntime().availableProcessors();

		private ConflictMode conflict;

		private boolean allowDroppedColumns;

		private boolean disableTriggers;

		private boolean foreignKeys;

		private boolean allowNonEmpty;

		private boolean noOwner;

		private boolean verification;

		private Path dataDirectory;

		private SandboxKind server = SandboxKind.LOCAL;

		private boolean readable;

		private Path pausedIn;

		private Masking masking;

		private Builder(Kind kind, String source) {
			this.kind = kind;
			this.source = source;
		}

		private Builder copy() {
			Builder copy = new Builder(this.kind, this.source);
			copy.backup = this.backup;
			copy.pointInTime = this.pointInTime;
			copy.target = this.target;
			copy.sourceDatabase = this.sourceDatabase;
			copy.tables = List.copyOf(this.tables);
			copy.schemas = List.copyOf(this.schemas);
			copy.where = this.where;
			copy.into = this.into;
			copy.toFile = this.toFile;
			copy.dryRun = this.dryRun;
			copy.jobs = this.jobs;
			copy.conflict = this.conflict;
			copy.allowDroppedColumns = this.allowDroppedColumns;
			copy.disableTriggers = this.disableTriggers;
			copy.foreignKeys = this.foreignKeys;
			copy.allowNonEmpty = this.allowNonEmpty;
			copy.noOwner = this.noOwner;
			copy.verification = this.verification;
			copy.dataDirectory = this.dataDirectory;
			copy.server = this.server;
			copy.readable = this.readable;
			copy.pausedIn = this.pausedIn;
			copy.masking = this.masking;
			return copy;
		}

		/** A backup id or {@code latest} (the default). */
		public Builder backup(String idOrLatest) {
			this.backup = (idOrLatest != null) ? idOrLatest : "latest";
			return this;
		}

		public Builder backup(BackupId id) {
			return backup(id.value());
		}

		public Builder pointInTime(RecoveryTarget target) {
			this.pointInTime = target;
			return this;
		}

		public Builder target(ConnectionSpec database) {
			this.target = database;
			return this;
		}

		public Builder sourceDatabase(ConnectionSpec database) {
			this.sourceDatabase = database;
			return this;
		}

		public Builder table(QualifiedName name) {
			this.tables.add(name);
			return this;
		}

		/** A table as {@code schema.table}, double-quoted where needed. */
		public Builder table(String name) {
			return table(QualifiedName.parse(name));
		}

		public Builder tables(List<QualifiedName> names) {
			names.forEach(this::table);
			return this;
		}

		/** Every table of this schema. */
		public Builder schema(String name) {
			this.schemas.add(name);
			return this;
		}

		public Builder schemas(List<String> names) {
			names.forEach(this::schema);
			return this;
		}

		public Builder where(String predicate) {
			this.where = predicate;
			return this;
		}

		public Builder into(QualifiedName name) {
			this.into = name;
			return this;
		}

		public Builder into(String name) {
			return into((name != null) ? QualifiedName.parse(name) : null);
		}

		public Builder toFile(Path file) {
			this.toFile = file;
			return this;
		}

		public Builder dryRun(boolean dryRun) {
			this.dryRun = dryRun;
			return this;
		}

		public Builder jobs(int jobs) {
			this.jobs = jobs;
			return this;
		}

		/** Merge into the live table by {@code mode} ({@code null}: beside it). */
		public Builder intoExisting(ConflictMode mode) {
			this.conflict = mode;
			return this;
		}

		public Builder allowDroppedColumns(boolean allow) {
			this.allowDroppedColumns = allow;
			return this;
		}

		public Builder disableTriggers(boolean disable) {
			this.disableTriggers = disable;
			return this;
		}

		public Builder withForeignKeys(boolean create) {
			this.foreignKeys = create;
			return this;
		}

		public Builder allowNonEmpty(boolean allow) {
			this.allowNonEmpty = allow;
			return this;
		}

		public Builder noOwner(boolean noOwner) {
			this.noOwner = noOwner;
			return this;
		}

		/**
		 * A verification's restore into a sandbox: no owners or privileges, foreign keys
		 * and row-count differences left to the checks ({@link RestoreOptions}).
		 */
		public Builder forVerification() {
			this.noOwner = true;
			this.verification = true;
			return this;
		}

		public Builder dataDirectory(Path directory) {
			this.dataDirectory = directory;
			return this;
		}

		public Builder server(SandboxKind kind) {
			this.server = kind;
			return this;
		}

		/**
		 * The recovered cluster, left running, also listens on 127.0.0.1: its superuser
		 * gets a random password and only password logins are allowed over TCP.
		 */
		public Builder readable() {
			this.readable = true;
			return this;
		}

		/**
		 * The recovered cluster stays paused at the target, read-only, on a socket in
		 * {@code work} (time travel).
		 */
		public Builder pausedIn(Path work) {
			this.pausedIn = work;
			return this;
		}

		/**
		 * Masks the rows on their way in ({@code restore --mask}): a full or table
		 * restore, not a cluster's (whose files are not rows) nor a verification (which
		 * proves the backup, not a copy of it).
		 */
		public Builder mask(Masking masking) {
			this.masking = masking;
			return this;
		}

		/**
		 * The request, checked as a whole.
		 * @throws RedoubtException {@code CONFIG_INVALID} or {@code INVALID_SELECTION},
		 * naming what to change
		 */
		public RestoreRequest build() {
			if (this.source == null || this.source.isBlank()) {
				throw invalid("a restore needs --source NAME");
			}
			if (this.jobs < 1) {
				throw invalid("--jobs must be at least 1, not " + this.jobs);
			}
			if (!"latest".equals(this.backup)) {
				BackupId.parse(this.backup);
			}
			if (this.masking != null && (this.kind == Kind.CLUSTER || this.verification)) {
				throw invalid("--mask applies to a logical restore: a whole backup, or tables (--table, --schema)");
			}
			if (this.masking != null && this.conflict != null && this.where != null) {
				throw invalid("--mask with --where cannot merge into a live table (--into-existing): the predicate "
						+ "would select the backup's original rows but the live table's masked ones; restore "
						+ "beside it (drop --into-existing) and merge by hand");
			}
			switch (this.kind) {
				case FULL -> checkFull();
				case TABLES -> checkTables();
				case CLUSTER -> checkCluster();
			}
			return new RestoreRequest(this);
		}

		private void checkFull() {
			if (this.pointInTime != null) {
				throw invalid("a point-in-time target (--as-of, --to-time, --to-lsn, --to-xid, --before-xid, "
						+ "--to-name, --latest) needs --table or --schema, or --type physical for the whole cluster");
			}
			if (this.dataDirectory != null) {
				throw invalid("--data-dir needs --type physical");
			}
			if (this.target == null) {
				throw invalid("a full restore needs --target JDBC_URL");
			}
			tableOptionsAbsent("a full restore");
		}

		private void checkTables() {
			if (this.dataDirectory != null) {
				throw invalid("--data-dir needs --type physical");
			}
			if (this.tables.isEmpty() && this.schemas.isEmpty()) {
				throw new RedoubtException(ErrorCode.INVALID_SELECTION,
						"no table named: give --table schema.table or --schema name");
			}
			if (this.into != null && this.tables.size() > 1) {
				throw new RedoubtException(ErrorCode.INVALID_SELECTION,
						"--into names one table, but " + this.tables.size() + " tables are named");
			}
			if (this.conflict != null && (this.into != null || this.toFile != null)) {
				throw invalid("--into-existing merges into the live table: it excludes --into and --to-file");
			}
			if (this.pointInTime != null && this.sourceDatabase == null) {
				throw invalid("a table restore as of a point in time needs the source's database");
			}
			ConnectionSpec effectiveTarget = (this.target != null) ? this.target
					: (this.pointInTime != null && this.toFile == null) ? this.sourceDatabase : null;
			if (this.conflict != null && effectiveTarget == null) {
				throw invalid("--into-existing needs --target");
			}
			if (effectiveTarget == null && this.toFile == null && !this.dryRun) {
				throw invalid("a table restore needs --target, --to-file or --dry-run");
			}
			if (this.allowDroppedColumns && this.conflict == null) {
				throw invalid("--allow-dropped-columns applies with --into-existing");
			}
			if (this.disableTriggers && this.conflict == null) {
				throw invalid("--disable-triggers applies with --into-existing");
			}
			PredicateGuard.checkShape(this.where);
			if (this.toFile != null) {
				String name = this.toFile.getFileName().toString();
				if (!name.endsWith(".csv") && !name.endsWith(".sql")) {
					throw invalid("--to-file must end in .csv or .sql: " + name);
				}
				if (name.endsWith(".csv") && (this.tables.size() > 1 || !this.schemas.isEmpty())) {
					throw invalid("a .csv file holds one table; use .sql for several");
				}
				if (Files.exists(this.toFile)) {
					throw new RedoubtException(ErrorCode.OBJECT_EXISTS, this.toFile + " exists; nothing overwritten");
				}
			}
			if (this.pausedIn != null || this.readable) {
				throw invalid("a table restore leaves no cluster running");
			}
		}

		private void checkCluster() {
			if (this.pointInTime == null) {
				throw invalid("a whole-cluster recovery needs a target: --to-time, --to-lsn, --to-xid, --to-name "
						+ "or --latest");
			}
			if (this.dataDirectory == null) {
				throw invalid("--type physical needs --data-dir DIR");
			}
			if (this.target != null || this.where != null || this.into != null || this.toFile != null
					|| this.conflict != null || this.dryRun) {
				throw invalid("--type physical restores the whole cluster into --data-dir; --table, --schema and "
						+ "--target do not apply (for a table as of a time: --table T --as-of TIME)");
			}
			if (this.pausedIn != null && this.readable) {
				throw invalid("a paused recovery is read on its socket only");
			}
			if (this.pausedIn != null && this.pointInTime.kind() == RecoveryTarget.Kind.LATEST) {
				throw invalid("a paused recovery needs a point in time, not --latest");
			}
			if ((!this.tables.isEmpty() || !this.schemas.isEmpty())
					&& (this.pausedIn == null || this.sourceDatabase == null)) {
				// only a throwaway cluster may leave other tables' files out
				throw invalid("--type physical restores the whole cluster into --data-dir; --table, --schema and "
						+ "--target do not apply (for a table as of a time: --table T --as-of TIME)");
			}
		}

		private void tableOptionsAbsent(String what) {
			if (!this.tables.isEmpty() || !this.schemas.isEmpty() || this.where != null || this.into != null
					|| this.toFile != null || this.conflict != null || this.dryRun) {
				throw invalid(what + " takes no --table, --schema, --where, --into, --into-existing, --to-file or "
						+ "--dry-run");
			}
		}

		private static RedoubtException invalid(String message) {
			return new RedoubtException(ErrorCode.CONFIG_INVALID, message);
		}

	}

}
