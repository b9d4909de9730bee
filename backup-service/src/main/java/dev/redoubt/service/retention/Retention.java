package dev.redoubt.service.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.SignedManifest;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.core.repository.SourceLease;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.wal.WalArchive;

/**
 * Expires a source's backups by its policy, in two phases. First everything is read:
 * every region's listing of the source's logical backups, base backups and WAL, every
 * manifest and verification record; any failure there ends the run with nothing deleted.
 * Then the plan is carried out: an expired backup loses its manifest first (in every
 * region, so it stops being restorable at once), then its other objects, except any
 * object a kept backup's manifest references; incomplete backups only when no one holds
 * the source's lease (read after the listing: a backup that began after it is not in it,
 * and one that ran during it holds the lease) and all their objects are older than the
 * grace period, each checked once more to have no manifest right before it goes; WAL only
 * below the start of every kept base backup; and nothing Object Lock still protects.
 * Backups are ordered by their manifests' sequence, not by a clock. Last, the chunks the
 * source's backups share are swept ({@link SharedChunkSweep}).
 */
public final class Retention {

	private static final Logger log = LoggerFactory.getLogger(Retention.class);

	private final Repository repository;

	private final Clock clock;

	private final Duration grace;

	public Retention(Repository repository, Clock clock, Duration grace) {
		this.repository = repository;
		this.clock = clock;
		this.grace = grace;
	}

	public RetentionReport run(String source, RetentionPolicy policy, boolean dryRun) {
		Instant now = this.clock.instant();
		// phase 1: read everything; a failure here throws before anything is deleted
		Area logical = read(source, false);
		Area base = read(BaseBackupManifest.area(source), true);
		Map<String, List<ObjectInfo>> wal = listEverywhere(WalArchive.prefix(source));
		// whether there are shared chunks to sweep at the end, read now: a listing that
		// fails
		// fails the run before anything is deleted
		boolean sharedChunks = false;
		for (String area : List.of(source, BaseBackupManifest.area(source))) {
			sharedChunks |= listEverywhere(RepositoryLayout.sharedChunksPrefix(area)).values()
				.stream()
				.anyMatch((objects) -> !objects.isEmpty());
		}
		Map<String, Set<String>> kept = new LinkedHashMap<>();
		kept.putAll(policy.keep(logical.candidates));
		kept.putAll(policy.keep(base.candidates));
		Set<String> referenced = new HashSet<>();
		List<WalRetention.BaseStart> keptBases = new ArrayList<>();
		for (Map.Entry<String, Object> entry : logical.manifests.entrySet()) {
			if (kept.containsKey(entry.getKey())) {
				((Manifest) entry.getValue()).allChunks().stream().map(ChunkRef::key).forEach(referenced::add);
			}
		}
		for (Map.Entry<String, Object> entry : base.manifests.entrySet()) {
			if (kept.containsKey(entry.getKey())) {
				BaseBackupManifest manifest = (BaseBackupManifest) entry.getValue();
				manifest.chunks().stream().map(ChunkRef::key).forEach(referenced::add);
				keptBases.add(new WalRetention.BaseStart(manifest.startLsn(), manifest.walSegmentBytes()));
			}
		}
		Set<String> walNames = new java.util.TreeSet<>();
		wal.values()
			.forEach((objects) -> objects
				.forEach((object) -> walNames.add(object.key().substring(WalArchive.prefix(source).length()))));
		List<String> walExpired = WalRetention.expendable(new ArrayList<>(walNames), keptBases);
		SourceLease.State lease = this.repository.leaseState(source);

		// the leftovers to remove, decided before anything is deleted: a head that fails
		// here still ends the run with nothing deleted
		List<String> inFlight = new ArrayList<>();
		Map<Area, List<String>> leftoverIds = new LinkedHashMap<>();
		for (Area area : List.of(logical, base)) {
			for (String id : area.leftoverIds()) {
				boolean young = area.objectsOf(id)
					.values()
					.stream()
					.flatMap(List::stream)
					.anyMatch((object) -> object.lastModified() == null
							|| object.lastModified().isAfter(now.minus(this.grace)));
				if (lease.held() || young || committedSince(area.name, id)) {
					inFlight.add(id);
				}
				else {
					leftoverIds.computeIfAbsent(area, (k) -> new ArrayList<>()).add(id);
				}
			}
		}

		// phase 2: carry the plan out
		Deleter deleter = new Deleter(now, dryRun, referenced);
		List<String> expired = new ArrayList<>();
		List<String> locked = new ArrayList<>();
		List<String> leftovers = new ArrayList<>();
		for (Area area : List.of(logical, base)) {
			for (String id : area.manifests.keySet()) {
				if (kept.containsKey(id)) {
					continue;
				}
				if (deleter.deleteBackup(area.objectsOf(id),
						RepositoryLayout.manifest(area.name, BackupId.parse(id)))) {
					expired.add(id);
				}
				else {
					locked.add(id);
				}
			}
			for (String id : leftoverIds.getOrDefault(area, List.of())) {
				deleter.deleteAll(area.objectsOf(id));
				leftovers.add(id);
			}
		}
		Map<String, List<ObjectInfo>> walObjects = new TreeMap<>();
		Set<String> walExpiredKeys = new HashSet<>();
		walExpired.forEach((name) -> walExpiredKeys.add(WalArchive.key(source, name)));
		wal.forEach((region, objects) -> walObjects.put(region,
				objects.stream().filter((object) -> walExpiredKeys.contains(object.key())).toList()));
		deleter.deleteAll(walObjects);
		Map<String, Set<String>> expiredByArea = new LinkedHashMap<>();
		expiredByArea.put(source,
				expired.stream().filter(logical.manifests::containsKey).collect(java.util.stream.Collectors.toSet()));
		expiredByArea.put(base.name,
				expired.stream().filter(base.manifests::containsKey).collect(java.util.stream.Collectors.toSet()));
		SharedChunkSweep.Result shared = sharedChunks
				? SharedChunkSweep.run(this.repository, source, expiredByArea, now, this.grace, dryRun)
				: SharedChunkSweep.Result.NONE;
		RetentionReport report = new RetentionReport(source, dryRun, kept, expired, leftovers, inFlight, locked,
				walExpired, deleter.deleted + shared.swept(), deleter.locked, deleter.lockedUntil, shared);
		log.info("retention of {}{}: kept {}, expired {}, leftovers {}, in flight {}, WAL segments {}, objects {}",
				source, dryRun ? " (dry run)" : "", kept.size(), expired.size(), leftovers.size(), inFlight.size(),
				walExpired.size(), deleter.deleted);
		return report;
	}

	/** Whether a backup listed without a manifest has one by now, in any region. */
	private boolean committedSince(String area, String id) {
		String manifest = RepositoryLayout.manifest(area, BackupId.parse(id));
		return this.repository.store().regions().stream().anyMatch((region) -> region.head(manifest).isPresent());
	}

	/** Every region's listing under a prefix; a region that cannot be listed throws. */
	private Map<String, List<ObjectInfo>> listEverywhere(String prefix) {
		return listEverywhere(this.repository, prefix);
	}

	/** Every region's listing under a prefix; a region that cannot be listed throws. */
	static Map<String, List<ObjectInfo>> listEverywhere(Repository repository, String prefix) {
		Map<String, List<ObjectInfo>> byRegion = new LinkedHashMap<>();
		for (ObjectStore region : repository.store().regions()) {
			byRegion.put(region.name(), region.list(prefix));
		}
		return byRegion;
	}

	private Area read(String name, boolean base) {
		Area area = new Area(name, listEverywhere(RepositoryLayout.backupsPrefix(name)));
		for (String id : area.ids()) {
			boolean manifestSomewhere = area.objectsOf(id)
				.values()
				.stream()
				.flatMap(List::stream)
				.anyMatch((object) -> object.key().equals(RepositoryLayout.manifest(name, BackupId.parse(id))));
			if (!manifestSomewhere) {
				continue;
			}
			BackupId backupId = BackupId.parse(id);
			SignedManifest manifest = base ? this.repository.readManifest(name, backupId, BaseBackupManifest.class)
					: this.repository.readManifest(name, backupId);
			area.manifests.put(id, manifest);
			List<VerificationRecord> records = this.repository.verificationsOrFail(name, backupId);
			boolean verified = VerificationRecord.newestVerified(records);
			area.candidates.add(new RetentionPolicy.Candidate(id, manifest.completedAt(),
					(manifest.sequence() != null) ? manifest.sequence() : 0, verified));
		}
		return area;
	}

	/** One area's listing (logical or base backups of the source), grouped by backup. */
	private static final class Area {

		final String name;

		/** Backup id, then region, then that region's objects of the backup. */
		private final Map<String, Map<String, List<ObjectInfo>>> byBackup = new TreeMap<>();

		final Map<String, Object> manifests = new LinkedHashMap<>();

		final List<RetentionPolicy.Candidate> candidates = new ArrayList<>();

		Area(String name, Map<String, List<ObjectInfo>> byRegion) {
			this.name = name;
			String prefix = RepositoryLayout.backupsPrefix(name);
			byRegion.forEach((region, objects) -> {
				for (ObjectInfo object : objects) {
					String rest = object.key().substring(prefix.length());
					int slash = rest.indexOf('/');
					if (slash < 0 || !BackupId.looksLikeId(rest.substring(0, slash))) {
						continue;
					}
					this.byBackup.computeIfAbsent(rest.substring(0, slash), (id) -> emptyRegions(byRegion))
						.get(region)
						.add(object);
				}
			});
		}

		private static Map<String, List<ObjectInfo>> emptyRegions(Map<String, List<ObjectInfo>> byRegion) {
			Map<String, List<ObjectInfo>> regions = new LinkedHashMap<>();
			byRegion.keySet().forEach((region) -> regions.put(region, new ArrayList<>()));
			return regions;
		}

		Set<String> ids() {
			return this.byBackup.keySet();
		}

		List<String> leftoverIds() {
			return ids().stream().filter((id) -> !this.manifests.containsKey(id)).toList();
		}

		Map<String, List<ObjectInfo>> objectsOf(String id) {
			return this.byBackup.getOrDefault(id, Map.of());
		}

	}

	/** Deletes objects region by region, never one that is referenced or locked. */
	private final class Deleter {

		private final Instant now;

		private final boolean dryRun;

		private final Set<String> referenced;

		private final Map<String, ObjectStore> regions = new LinkedHashMap<>();

		long deleted;

		long locked;

		Instant lockedUntil;

		Deleter(Instant now, boolean dryRun, Set<String> referenced) {
			this.now = now;
			this.dryRun = dryRun;
			this.referenced = referenced;
			Retention.this.repository.store().regions().forEach((region) -> this.regions.put(region.name(), region));
		}

		/**
		 * The manifest first, in every region, then the rest; false (nothing deleted) if
		 * a copy of the manifest is still locked.
		 */
		boolean deleteBackup(Map<String, List<ObjectInfo>> objects, String manifestKey) {
			for (Map.Entry<String, List<ObjectInfo>> entry : objects.entrySet()) {
				ObjectStore region = region(entry.getKey());
				for (ObjectInfo object : entry.getValue()) {
					if (object.key().equals(manifestKey) && isLocked(region, object)) {
						return false;
					}
				}
			}
			for (Map.Entry<String, List<ObjectInfo>> entry : objects.entrySet()) {
				ObjectStore region = region(entry.getKey());
				entry.getValue()
					.stream()
					.filter((object) -> object.key().equals(manifestKey))
					.forEach((object) -> delete(region, object));
			}
			Map<String, List<ObjectInfo>> rest = new LinkedHashMap<>();
			objects.forEach((region, list) -> rest.put(region,
					list.stream().filter((object) -> !object.key().equals(manifestKey)).toList()));
			deleteAll(rest);
			return true;
		}

		void deleteAll(Map<String, List<ObjectInfo>> objects) {
			objects.forEach((name, list) -> {
				ObjectStore region = region(name);
				for (ObjectInfo object : list) {
					if (this.referenced.contains(object.key())) {
						continue;
					}
					if (isLocked(region, object)) {
						continue;
					}
					delete(region, object);
				}
			});
		}

		private boolean isLocked(ObjectStore region, ObjectInfo object) {
			java.util.Optional<Instant> until = region.lockedUntil(object);
			if (until.isPresent() && until.get().isAfter(this.now)) {
				this.locked++;
				if (this.lockedUntil == null || until.get().isAfter(this.lockedUntil)) {
					this.lockedUntil = until.get();
				}
				return true;
			}
			return false;
		}

		private void delete(ObjectStore region, ObjectInfo object) {
			if (!this.dryRun) {
				region.delete(object.key());
			}
			this.deleted++;
		}

		private ObjectStore region(String name) {
			return this.regions.get(name);
		}

	}

}
