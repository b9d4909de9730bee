package dev.redoubt.restore;

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

/**
 * Restores backups. A full restore creates the pre-data schema, loads every chunk in
 * parallel, then builds the post-data schema (indexes, constraints, triggers), sets
 * sequences and refreshes materialized views. The entry point of
 * {@code selective-restore}.
 */
public final class RestoreEngine {

	private static final Logger log = LoggerFactory.getLogger(RestoreEngine.class);

	private final Repository repository;

	private final Clock clock;

	public RestoreEngine(Repository repository, Clock clock) {
		this.repository = repository;
		this.clock = clock;
	}

	public RestoreResult restoreFull(String source, BackupId id, ConnectionSpec target, RestoreOptions options) {
		Instant start = this.clock.instant();
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
			Instant dataStart = this.clock.instant();
			loadData(manifest, dataKey, target, database, options);
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

	private void loadData(Manifest manifest, byte[] dataKey, ConnectionSpec target, TargetDatabase database,
			RestoreOptions options) {
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
		}, options.stopOnRowCountMismatch());
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
