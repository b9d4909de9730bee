package dev.redoubt.service.backup;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.ContentHash;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.repository.BackupWriter;
import dev.redoubt.core.repository.CrashPoint;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.SourceLease;

/**
 * Takes a consistent logical backup of one database into the repository: the facade the
 * Spring Batch job and the tests call.
 */
public final class LogicalBackup {

	private static final Logger log = LoggerFactory.getLogger(LogicalBackup.class);

	private final Repository repository;

	private final Clock clock;

	private final java.util.function.Predicate<TableSource> include;

	/** Only some tables: the copy of a table restore as of a time. */
	private final boolean partial;

	public LogicalBackup(Repository repository, Clock clock) {
		this(repository, clock, (table) -> true, false);
	}

	private LogicalBackup(Repository repository, Clock clock, java.util.function.Predicate<TableSource> include,
			boolean partial) {
		this.repository = repository;
		this.clock = clock;
		this.include = include;
		this.partial = partial;
	}

	/**
	 * How a table restore as of a point in time takes its tables out of the recovered
	 * cluster: a logical backup of only them (and the whole schema), with
	 * {@code settings}.
	 */
	public static dev.redoubt.restore.LogicalCopy copy(Clock clock, BackupSettings settings) {
		return (into, source, from, tables) -> dev.redoubt.core.repository.BackupId
			.parse(new LogicalBackup(into, clock).onlyTables(tables).run(source, from, settings).backupId());
	}

	/**
	 * The same backup of the rows of these tables only (by OID); the schema archive still
	 * holds every object. For a table restore as of a time, whose throwaway cluster holds
	 * the other tables' files zero-filled: nothing else is read from it (no schema
	 * version: the migrations table's index may be among the zero-filled files).
	 */
	public LogicalBackup onlyTables(java.util.Set<Long> oids) {
		java.util.Set<Long> only = java.util.Set.copyOf(oids);
		return new LogicalBackup(this.repository, this.clock, (table) -> only.contains(table.oid()), true);
	}

	public BackupResult run(String sourceName, ConnectionSpec source, BackupSettings settings) {
		Instant started = this.clock.instant();
		try (SourceLease lease = this.repository.acquireLease(sourceName, "logical backup");
				SourceSnapshot coordinator = SourceSnapshot.open(sourceName, source)) {
			Path pgDump = SchemaDumper.pgDump(settings.pgDump(), coordinator.version());
			coordinator.lockAndExport(settings.lockTimeout(), this.include);
			BackupWriter writer = this.repository.beginBackup(sourceName, started, lease,
					settings.sharedChunks() && this.repository.canShareChunks(sourceName));
			writer.crashPoint(CrashPoint.fromSystemProperty());
			log.info("backup {} of source {} ({}): snapshot at {}, {} tables", writer.id(), sourceName,
					source.display(), coordinator.snapshot().lsn(), coordinator.tables().size());
			ChunkRef schema = dumpSchema(pgDump, source, coordinator, writer, settings);
			long largeObjects = coordinator.largeObjectCount();
			Map<String, List<ChunkResult>> chunks = streamChunks(psql(pgDump), source, coordinator, writer, settings,
					largeObjects > 0);
			Manifest manifest = assemble(writer, coordinator, schema, chunks, largeObjects,
					PgTools.version(pgDump).toString(), started, settings);
			writer.commit(manifest);
			BackupResult result = summarize(manifest, Duration.between(started, this.clock.instant()),
					writer.uploadedBytes());
			log.info(
					"backup {} complete: {} tables, {} rows, {} chunks, {} bytes stored per region ({} uploaded) in {} ms",
					result.backupId(), result.tables(), result.rows(), result.chunks(), result.storedBytes(),
					result.uploadedBytes(), result.duration().toMillis());
			return result;
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"backup of source " + sourceName + " failed: " + ex.getMessage(), ex);
		}
	}

	private ChunkRef dumpSchema(Path pgDump, ConnectionSpec source, SourceSnapshot coordinator, BackupWriter writer,
			BackupSettings settings) {
		ChunkEncoder encoder = new ChunkEncoder(writer.dataKey(), this.repository.keys().chunkIdKey(),
				settings.compressionLevel(), 1 << 20, writer.sharesChunks());
		return SchemaDumper.dump(pgDump, source, coordinator.snapshotId(), encoder, writer, settings.lockTimeout());
	}

	/**
	 * The psql beside pg_dump (the same client installation), or the closest one found.
	 */
	private static Path psql(Path pgDump) {
		Path beside = pgDump.resolveSibling("psql");
		return java.nio.file.Files.isExecutable(beside) ? beside : PgTools.find("psql", 10);
	}

	private Map<String, List<ChunkResult>> streamChunks(Path psql, ConnectionSpec source, SourceSnapshot coordinator,
			BackupWriter writer, BackupSettings settings, boolean largeObjects) {
		List<ChunkTask> plan = ChunkPlanner.plan(coordinator.tables(), settings.chunkBytes(), largeObjects);
		ConcurrentLinkedQueue<ChunkTask> tasks = new ConcurrentLinkedQueue<>(plan);
		Map<String, List<ChunkResult>> results = new ConcurrentHashMap<>();
		AtomicInteger stored = new AtomicInteger();
		int workers = Math.max(1, Math.min(settings.workers(), plan.size()));
		ExecutorService pool = Executors.newFixedThreadPool(workers * 3, (runnable) -> {
			Thread thread = new Thread(runnable, "redoubt-backup-worker");
			thread.setDaemon(true);
			return thread;
		});
		try {
			List<CompletableFuture<Void>> running = new ArrayList<>();
			for (int i = 0; i < workers; i++) {
				ChunkStreamer streamer = new ChunkStreamer(psql, source, coordinator.snapshotId(), writer,
						this.repository.keys().chunkIdKey(), settings, pool, (result) -> {
							results
								.computeIfAbsent(result.tableKey(),
										(k) -> java.util.Collections.synchronizedList(new ArrayList<>()))
								.add(result);
							int n = stored.incrementAndGet();
							if (n % 25 == 0) {
								log.info("backup {}: {} chunks stored, {} of {} tasks started", writer.id(), n,
										plan.size() - tasks.size(), plan.size());
							}
						});
				running.add(CompletableFuture.runAsync(() -> streamer.drain(tasks), pool));
			}
			CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
			return results;
		}
		catch (CompletionException ex) {
			tasks.clear();
			Throwable cause = ex.getCause();
			while (cause instanceof CompletionException && cause.getCause() != null) {
				cause = cause.getCause();
			}
			if (cause instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(ErrorCode.INTERNAL, "backup worker failed: " + cause, cause);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private Manifest assemble(BackupWriter writer, SourceSnapshot coordinator, ChunkRef schema,
			Map<String, List<ChunkResult>> chunks, long largeObjectCount, String pgDumpVersion, Instant started,
			BackupSettings settings) throws SQLException {
		List<TableEntry> tables = new ArrayList<>();
		for (TableSource table : coordinator.tables()) {
			List<ChunkRef> refs = ordered(chunks.get(Long.toString(table.oid())));
			long rows = refs.stream().mapToLong(ChunkRef::rows).sum();
			String hash = refs.isEmpty() ? new ContentHash().value()
					: ContentHash.combine(refs.stream().map(ChunkRef::contentHash).toList());
			tables.add(new TableEntry(table.schema(), table.name(), table.persistence(), table.partitionOf(),
					table.columns(), table.keyColumn(), rows, hash, refs));
		}
		Manifest.LargeObjects largeObjects = new Manifest.LargeObjects(largeObjectCount,
				ordered(chunks.get(ChunkTask.LARGE_OBJECTS)));
		return new Manifest(writer.sharesChunks() ? Manifest.FORMAT_VERSION_SHARED_CHUNKS : Manifest.FORMAT_VERSION,
				writer.id().value(), "logical", started, this.clock.instant(), coordinator.identity(),
				coordinator.snapshot(), writer.wrappedDataKey(), schema, tables, coordinator.sequences(), largeObjects,
				coordinator.materializedViews(), new Manifest.Tools(pgDumpVersion),
				this.partial ? null
						: coordinator.schemaVersion(settings.migrationsTable(), settings.migrationsColumn()),
				this.repository.nextSequence(coordinator.identity().name(), Manifest.class));
	}

	private static List<ChunkRef> ordered(List<ChunkResult> results) {
		if (results == null) {
			return List.of();
		}
		return results.stream()
			.sorted(Comparator.comparingInt(ChunkResult::taskIndex).thenComparingInt(ChunkResult::sequence))
			.map(ChunkResult::chunk)
			.toList();
	}

	private static BackupResult summarize(Manifest manifest, Duration duration, long uploadedBytes) {
		List<ChunkRef> all = manifest.allChunks();
		return new BackupResult(manifest.backupId(), manifest.tables().size(),
				manifest.tables().stream().mapToLong(TableEntry::rows).sum(), all.size(),
				all.stream().mapToLong(ChunkRef::plainBytes).sum(), all.stream().mapToLong(ChunkRef::storedBytes).sum(),
				duration, uploadedBytes);
	}

}
