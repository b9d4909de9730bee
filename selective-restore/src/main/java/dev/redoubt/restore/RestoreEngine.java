package dev.redoubt.restore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.concurrent.Workers;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.restore.physical.BaseBackups;
import dev.redoubt.restore.physical.FileSelection;
import dev.redoubt.restore.physical.PointInTimeRecovery;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.mask.ColumnInfo;
import dev.redoubt.restore.mask.MaskPlan;
import dev.redoubt.restore.mask.Masking;

/**
 * The one way to restore, for the CLI, the API's verifications and drills, and time
 * travel: every restore is a {@link RestoreRequest}, built and validated in one place.
 * <ul>
 * <li>{@link #restoreFull}: creates the pre-data schema, loads every chunk in parallel,
 * then builds the post-data schema (indexes, constraints, triggers), sets sequences and
 * refreshes materialized views.</li>
 * <li>{@link #restoreTables}: single tables or row ranges from a logical backup
 * ({@link TableRestore}), or as of a point in time ({@link AsOfTableRestore}: read from a
 * throwaway recovery of only the files they need).</li>
 * <li>{@link #recoverCluster}: point-in-time recovery of the whole cluster into a data
 * directory, left stopped.</li>
 * <li>{@link #recover}: the same, left running for reading (a verification, a drill), or
 * paused at the target for time travel, with only the named tables' files.</li>
 * </ul>
 * An engine reads one repository (all regions, or one, as the caller opened it); where
 * table restores stage rows ({@link #withSandboxes}) and how tables are taken out of a
 * recovered cluster ({@link #withLogicalCopy}) are given to it.
 */
public final class RestoreEngine {

	private static final Logger log = LoggerFactory.getLogger(RestoreEngine.class);

	private final Repository repository;

	private final Clock clock;

	private final SandboxKind sandboxKind;

	private final Path sandboxRoot;

	private final LogicalCopy logicalCopy;

	public RestoreEngine(Repository repository, Clock clock) {
		this(repository, clock, SandboxKind.LOCAL, null, null);
	}

	private RestoreEngine(Repository repository, Clock clock, SandboxKind sandboxKind, Path sandboxRoot,
			LogicalCopy logicalCopy) {
		this.repository = repository;
		this.clock = clock;
		this.sandboxKind = sandboxKind;
		this.sandboxRoot = sandboxRoot;
		this.logicalCopy = logicalCopy;
	}

	/**
	 * The same engine, staging a table restore's rows (for a file, a dry run without a
	 * target, a predicate's judgement) in sandboxes of {@code kind} under {@code root}.
	 */
	public RestoreEngine withSandboxes(SandboxKind kind, Path root) {
		return new RestoreEngine(this.repository, this.clock, kind, root, this.logicalCopy);
	}

	/** The same engine, taking tables out of a recovered cluster with {@code copy}. */
	public RestoreEngine withLogicalCopy(LogicalCopy copy) {
		return new RestoreEngine(this.repository, this.clock, this.sandboxKind, this.sandboxRoot, copy);
	}

	Repository repository() {
		return this.repository;
	}

	Clock clock() {
		return this.clock;
	}

	SandboxKind sandboxKind() {
		return this.sandboxKind;
	}

	Path sandboxRoot() {
		return this.sandboxRoot;
	}

	LogicalCopy logicalCopy() {
		return this.logicalCopy;
	}

	/**
	 * Single tables (or rows of them), from a logical backup or as of a point in time.
	 */
	public TableRestoreResult restoreTables(RestoreRequest request) {
		require(request, RestoreRequest.Kind.TABLES);
		if (request.pointInTime() != null) {
			return new AsOfTableRestore(this).run(request);
		}
		BackupId id = this.repository.resolve(request.source(), request.backup());
		log.debug("backup {} resolved", id);
		return new TableRestore(this.repository, this.clock, this.sandboxKind, this.sandboxRoot).run(request.source(),
				id, request);
	}

	/**
	 * Recovers the whole cluster into the request's data directory and stops it: a
	 * cluster ready to start.
	 */
	public PointInTimeRecovery.Result recoverCluster(RestoreRequest request) {
		require(request, RestoreRequest.Kind.CLUSTER);
		if (request.pausedIn() != null || request.readable()) {
			throw new IllegalArgumentException("a cluster left stopped is neither paused nor readable");
		}
		return PointInTimeRecovery.run(this.repository, recovery(request, null));
	}

	/**
	 * Recovers the cluster and leaves it running (read-only and paused at the target with
	 * {@code pausedIn}); closing the result stops it. With tables named, only their files
	 * and the cluster's catalogs are fetched (the others zero-filled).
	 */
	public PointInTimeRecovery.Recovered recover(RestoreRequest request) {
		require(request, RestoreRequest.Kind.CLUSTER);
		// the base backup is chosen here only to map named tables to its files; else the
		// recovery chooses it (one manifest read, not two)
		BaseBackupManifest base = (request.tables().isEmpty() && request.schemas().isEmpty()) ? null
				: BaseBackups.choose(this.repository, request.source(), request.backup(), request.pointInTime());
		return PointInTimeRecovery.recover(this.repository, recovery(request, base));
	}

	/**
	 * The recovery {@code request} asks for; {@code base}, the chosen base backup, is
	 * needed to leave files out.
	 */
	private static PointInTimeRecovery.Request recovery(RestoreRequest request, BaseBackupManifest base) {
		PointInTimeRecovery.Request recovery = new PointInTimeRecovery.Request(request.source(),
				(base != null) ? base.backupId() : request.backup(), request.pointInTime(), request.dataDirectory(),
				request.jobs(), request.readable(), request.server());
		if (!request.tables().isEmpty() || !request.schemas().isEmpty()) {
			recovery = recovery.throwaway(FileSelection.forTables(base, request.sourceDatabase().database(),
					request.tables(), request.schemas()));
		}
		return (request.pausedIn() != null) ? recovery.pausedIn(request.pausedIn()) : recovery;
	}

	private static void require(RestoreRequest request, RestoreRequest.Kind kind) {
		if (request.kind() != kind) {
			throw new IllegalArgumentException("a " + request.kind() + " request, not " + kind);
		}
	}

	/** A whole logical backup into an empty database. */
	public RestoreResult restoreFull(RestoreRequest request) {
		require(request, RestoreRequest.Kind.FULL);
		String source = request.source();
		ConnectionSpec target = request.target();
		RestoreOptions options = request.options();
		Instant start = this.clock.instant();
		BackupId id = this.repository.resolve(source, request.backup());
		Manifest manifest = this.repository.readManifest(source, id);
		byte[] dataKey = this.repository.dataKey(manifest);
		TargetDatabase database = new TargetDatabase(target);
		int targetMajor = database.serverMajor();
		int backupMajor = manifest.source().serverVersionNum() / 10000;
		if (targetMajor < backupMajor) {
			throw new RedoubtException(ErrorCode.TARGET_TOO_OLD,
					"database " + target.database() + " runs PostgreSQL " + targetMajor + ", older than the "
							+ backupMajor + " backup " + id + " was taken from; nothing was loaded",
					"restore into a server of PostgreSQL " + backupMajor + " or newer", null);
		}
		if (!options.allowNonEmpty()) {
			database.requireEmpty();
		}
		log.info("restoring backup {} of source {} into database {}", id, source, target.database());
		byte[] schema = ChunkDecoder.readAll(this.repository.readChunk(manifest.schema()), dataKey,
				this.repository.keys().chunkIdKey(), manifest.schema().id());
		try (SchemaRestorer restorer = new SchemaRestorer(schema, targetMajor, target, options)) {
			restorer.preData();
			MaskPlan mask = (request.masking() != null) ? maskPlan(request.masking(), manifest, target) : null;
			Instant dataStart = this.clock.instant();
			loadData(manifest, dataKey, target, database, options, mask);
			Instant postStart = this.clock.instant();
			List<ForeignKeyDefinition> deferred = List.of();
			if (options.deferForeignKeys()) {
				deferred = restorer.postDataWithoutForeignKeys();
			}
			else {
				restorer.postData();
			}
			database.setSequences(manifest.sequences());
			database.refresh(manifest.materializedViews());
			Instant end = this.clock.instant();
			List<ChunkRef> chunks = manifest.allChunks();
			RestoreResult result = new RestoreResult(id.value(), manifest.tables().size(),
					manifest.tables().stream().mapToLong(TableEntry::rows).sum(), chunks.size(),
					chunks.stream().mapToLong(ChunkRef::storedBytes).sum(), Duration.between(start, dataStart),
					Duration.between(dataStart, postStart), Duration.between(postStart, end),
					Duration.between(start, end), deferred);
			log.info("restore of backup {} complete: {} tables, {} rows in {} ms", id, result.tables(), result.rows(),
					result.total().toMillis());
			return result;
		}
	}

	/**
	 * The policy bound to the restored schema's columns; refused (nothing loaded, the
	 * target holds the schema only) when it does not classify every column or a transform
	 * does not fit its column.
	 */
	private static MaskPlan maskPlan(Masking masking, Manifest manifest, ConnectionSpec target) {
		List<ColumnInfo> columns;
		try (java.sql.Connection connection = target.open("redoubt restore")) {
			columns = ColumnInfo.read(connection);
		}
		catch (java.sql.SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot read the restored schema's columns: " + ex.getMessage(), ex);
		}
		try {
			MaskPlan plan = masking.plan(manifest.tables(), columns);
			log.info("masking {} column(s) of {} table(s)",
					plan.maskedColumns().values().stream().mapToInt(List::size).sum(), plan.maskedColumns().size());
			return plan;
		}
		catch (RedoubtException ex) {
			throw new RedoubtException(ex.code(), ex.getMessage() + " (database " + target.database()
					+ " holds the schema only: drop it before restoring again)", ex.hint(), ex);
		}
	}

	private void loadData(Manifest manifest, byte[] dataKey, ConnectionSpec target, TargetDatabase database,
			RestoreOptions options, MaskPlan mask) {
		List<LoadTask> plan = new ArrayList<>();
		Map<TableEntry, AtomicInteger> remaining = new LinkedHashMap<>();
		for (TableEntry table : manifest.tables()) {
			remaining.put(table, new AtomicInteger(table.chunks().size()));
			table.chunks().forEach((chunk) -> plan.add(new LoadTask(table, chunk)));
		}
		manifest.largeObjects()
			.chunks()
			.forEach((chunk) -> plan.add(new LoadTask(null, chunk, manifest.largeObjects().withOwnersAndGrants())));
		plan.sort(Comparator.comparingLong((LoadTask t) -> t.chunk().plainBytes()).reversed());
		ConcurrentLinkedQueue<LoadTask> tasks = new ConcurrentLinkedQueue<>(plan);
		AtomicInteger done = new AtomicInteger();
		int jobs = Math.max(1, Math.min(options.jobs(), plan.size()));
		ChunkLoader loader = new ChunkLoader(this.repository, dataKey, target, (task) -> {
			if (task.table() != null) {
				remaining.get(task.table()).decrementAndGet();
			}
			int n = done.incrementAndGet();
			if (n % 25 == 0 || n == plan.size()) {
				log.info("restore: {} of {} chunks loaded", n, plan.size());
			}
		}, options.stopOnRowCountMismatch(), mask);
		try {
			// every worker has stopped when this throws
			Workers.run(jobs, "redoubt-restore-worker", (i) -> () -> loader.drain(tasks));
		}
		catch (RedoubtException cause) {
			List<TableEntry> partial = remaining.entrySet()
				.stream()
				.filter((e) -> e.getValue().get() > 0)
				.map(Map.Entry::getKey)
				.toList();
			database.truncate(partial);
			throw new RedoubtException(cause.code(),
					cause.getMessage() + "; the restore stopped: " + partial.size() + " table(s) left empty ("
							+ String.join(", ", partial.stream().limit(5).map(TableEntry::qualifiedName).toList())
							+ (partial.size() > 5 ? ", ..." : "") + "), indexes and constraints not built",
					"drop the target database and restore again, from another backup if this one is damaged in every region",
					cause);
		}
	}

}
