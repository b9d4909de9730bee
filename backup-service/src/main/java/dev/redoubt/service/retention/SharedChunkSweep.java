package dev.redoubt.service.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.core.repository.SourceLease;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;

/**
 * Mark and sweep of the chunks a source's logical backups share
 * ({@code <source>/chunks/}), and its base backups ({@code <source>/base/chunks/}): a
 * chunk goes when no manifest in any region references it and it is older than the grace
 * period. The sweep holds the source's lease, so no backup runs while it marks and
 * deletes (one that began before would otherwise reference a chunk it found present,
 * after the mark); the marks are read under the lease, after the expiry, from every
 * manifest in every region. Any listing or manifest that cannot be read ends the sweep
 * with nothing deleted; a lease held by a backup skips it (the next run sweeps).
 */
public final class SharedChunkSweep {

	private static final Logger log = LoggerFactory.getLogger(SharedChunkSweep.class);

	/**
	 * What a sweep found and did.
	 *
	 * @param chunks shared chunks found (distinct keys)
	 * @param referenced of those, referenced by a manifest
	 * @param young unreferenced, kept: younger than the grace period
	 * @param swept unreferenced and old enough: deleted (or, in a dry run, would be)
	 * @param sweptBytes their size, all regions counted
	 * @param skipped why nothing was swept (the lease is held, or a manifest or listing
	 * could not be read), or {@code null}
	 */
	public record Result(int chunks, int referenced, int young, int swept, long sweptBytes, String skipped) {

		static final Result NONE = new Result(0, 0, 0, 0, 0, null);

	}

	private SharedChunkSweep() {
	}

	/**
	 * Sweeps the shared chunks of the source's logical backups and of its base backups.
	 * @param expired for each area ({@code source}, {@code source/base}), the backups
	 * whose manifests this retention run deletes (or, dry, would): their references do
	 * not count
	 */
	static Result run(Repository repository, String source, Map<String, Set<String>> expired, Instant now,
			Duration grace, boolean dryRun) {
		SourceLease lease = null;
		if (dryRun) {
			// a dry run writes nothing, not even a lease: it only looks
			SourceLease.State state = SourceLease.state(repository.store().regions().get(0), source);
			if (state.held()) {
				String busy = "source " + source + " is busy: a " + state.holder() + " holds its lease";
				log.info("shared chunks of {} not swept: {}", source, busy);
				return new Result(0, 0, 0, 0, 0, busy);
			}
		}
		else {
			try {
				lease = SourceLease.acquire(repository.store().regions().get(0), source, "retention sweep",
						SourceLease.DEFAULT_TTL);
			}
			catch (RedoubtException ex) {
				if (ex.code() != ErrorCode.SOURCE_BUSY) {
					throw ex;
				}
				log.info("shared chunks of {} not swept: {}", source, ex.getMessage());
				return new Result(0, 0, 0, 0, 0, ex.getMessage());
			}
		}
		try {
			// every mark and listing first, in every area: one that cannot be read
			// deletes nothing
			Map<String, Set<String>> referenced = new LinkedHashMap<>();
			Map<String, Map<String, List<ObjectInfo>>> listed = new LinkedHashMap<>();
			try {
				expired.forEach((area, gone) -> referenced.put(area, referenced(repository, area, gone)));
				expired.keySet()
					.forEach((area) -> listed.put(area,
							Retention.listEverywhere(repository, RepositoryLayout.sharedChunksPrefix(area))));
			}
			catch (RedoubtException ex) {
				log.warn("shared chunks of {} not swept, nothing deleted: {}", source, ex.getMessage());
				return new Result(0, 0, 0, 0, 0, "a manifest or listing could not be read: " + ex.getMessage());
			}
			Result total = Result.NONE;
			for (String area : referenced.keySet()) {
				Result swept = sweep(repository, listed.get(area), referenced.get(area), lease, now, grace, dryRun);
				total = new Result(total.chunks() + swept.chunks(), total.referenced() + swept.referenced(),
						total.young() + swept.young(), total.swept() + swept.swept(),
						total.sweptBytes() + swept.sweptBytes(), null);
			}
			log.info("shared chunks of {}{}: {} found, {} referenced, {} younger than {}, {} swept ({} bytes)", source,
					dryRun ? " (dry run)" : "", total.chunks(), total.referenced(), total.young(), grace, total.swept(),
					total.sweptBytes());
			return total;
		}
		finally {
			if (lease != null) {
				lease.close();
			}
		}
	}

	private static Result sweep(Repository repository, Map<String, List<ObjectInfo>> chunks, Set<String> referenced,
			SourceLease lease, Instant now, Duration grace, boolean dryRun) {
		Set<String> keys = new TreeSet<>();
		Set<String> young = new HashSet<>();
		Set<String> swept = new HashSet<>();
		long sweptBytes = 0;
		for (ObjectStore region : repository.store().regions()) {
			for (ObjectInfo object : chunks.get(region.name())) {
				keys.add(object.key());
				if (referenced.contains(object.key())) {
					continue;
				}
				if (object.lastModified() == null || object.lastModified().isAfter(now.minus(grace))) {
					young.add(object.key());
					continue;
				}
				java.util.Optional<Instant> locked = region.lockedUntil(object);
				if (locked.isPresent() && locked.get().isAfter(now)) {
					continue;
				}
				if (lease != null && swept.size() % 200 == 0) {
					// still ours (a sweep that stalled past the lease's time to live
					// stops
					// before a backup can have begun)
					lease.requireHeld();
				}
				if (!dryRun) {
					region.delete(object.key());
				}
				swept.add(object.key());
				sweptBytes += object.size();
			}
		}
		int marked = (int) keys.stream().filter(referenced::contains).count();
		return new Result(keys.size(), marked, young.size(), swept.size(), sweptBytes, null);
	}

	/** Every chunk key named by a manifest of {@code area}, any region. */
	private static Set<String> referenced(Repository repository, String area, Set<String> expired) {
		Set<String> ids = new TreeSet<>();
		String backups = RepositoryLayout.backupsPrefix(area);
		Retention.listEverywhere(repository, backups).values().forEach((objects) -> objects.forEach((object) -> {
			String rest = object.key().substring(backups.length());
			int slash = rest.indexOf('/');
			if (slash > 0 && rest.substring(slash + 1).equals("manifest")
					&& BackupId.looksLikeId(rest.substring(0, slash))) {
				ids.add(rest.substring(0, slash));
			}
		}));
		ids.removeAll(expired);
		Set<String> referenced = new HashSet<>();
		for (String id : ids) {
			// a manifest that cannot be read (in any region) ends the sweep: it may hold
			// the only reference to a chunk
			repository.manifestChunks(area, BackupId.parse(id))
				.chunks()
				.stream()
				.map(ChunkRef::key)
				.forEach(referenced::add);
		}
		return referenced;
	}

}
