package dev.redoubt.core.repository;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.codec.Digests;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.manifest.SignedJson;
import dev.redoubt.core.manifest.SignedManifest;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;

/**
 * The repository of one or more regions: begins backups, lists what the regions hold,
 * reads manifests and chunks back verified. The entry point of {@code backup-core}.
 */
public final class Repository implements AutoCloseable {

	private CommitFence fence = CommitFence.NONE;

	private java.time.Duration leaseWait = java.time.Duration.ZERO;

	private static final Logger log = LoggerFactory.getLogger(Repository.class);

	/** Threads for questions asked of every region at once; idle ones end. */
	private static final java.util.concurrent.ExecutorService REGION_QUERIES = java.util.concurrent.Executors
		.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "redoubt-region-query");
			thread.setDaemon(true);
			return thread;
		});

	private final MultiRegionStore store;

	private final RepositoryKeys keys;

	/**
	 * This repository with a fence every backup it starts checks before its manifest is
	 * written. Closing the view closes this repository's stores.
	 */
	public Repository withCommitFence(CommitFence fence) {
		Repository fenced = new Repository(this.store, this.keys);
		fenced.fence = fence;
		fenced.leaseWait = this.leaseWait;
		return fenced;
	}

	/**
	 * This repository with backups that wait up to {@code wait} for the source's lease
	 * when another process holds it, instead of failing at once (the service's scheduled
	 * backups: a replica taking a fire over from a frozen one waits for its lease to
	 * expire). Closing the view closes this repository's stores.
	 */
	public Repository withLeaseWait(java.time.Duration wait) {
		Repository waiting = new Repository(this.store, this.keys);
		waiting.fence = this.fence;
		waiting.leaseWait = wait;
		return waiting;
	}

	public Repository(MultiRegionStore store, RepositoryKeys keys) {
		this.store = store;
		this.keys = keys;
	}

	public RepositoryKeys keys() {
		return this.keys;
	}

	public MultiRegionStore store() {
		return this.store;
	}

	/**
	 * This repository as one region alone holds it: reads never fall back to another
	 * region, so what is read was proven in that region. The caller closes the view.
	 * @throws RedoubtException {@code CONFIG_INVALID} if no region has that name
	 */
	public Repository onlyRegion(String name) {
		return this.store.regions()
			.stream()
			.filter((region) -> region.name().equals(name))
			.findFirst()
			.map((region) -> new Repository(new MultiRegionStore(List.of(region)), this.keys))
			.orElseThrow(() -> new RedoubtException(ErrorCode.CONFIG_INVALID, "no region named '" + name
					+ "'; configured: " + this.store.regions().stream().map(ObjectStore::name).toList()));
	}

	/**
	 * This repository as it is after the loss of region {@code name}: the others alone,
	 * so that nothing read comes from the lost region (a DR drill). The caller closes the
	 * view.
	 * @throws RedoubtException {@code CONFIG_INVALID} if no region has that name, or it
	 * is the only one
	 */
	public Repository withoutRegion(String name) {
		List<ObjectStore> left = this.store.regions().stream().filter((region) -> !region.name().equals(name)).toList();
		if (left.size() == this.store.regions().size()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "no region named '" + name + "'; configured: "
					+ this.store.regions().stream().map(ObjectStore::name).toList());
		}
		if (left.isEmpty()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"region '" + name + "' is the only region: losing it leaves nothing to recover from");
		}
		return new Repository(new MultiRegionStore(left), this.keys);
	}

	/**
	 * Takes the lease of {@code source} (see {@link SourceLease}) in the first region:
	 * every backup of the source runs under it, and retention leaves the source's
	 * unfinished backups alone while anyone holds it.
	 * @throws RedoubtException {@code SOURCE_BUSY} naming the holder if another process
	 * holds it
	 */
	public SourceLease acquireLease(String source, String purpose) {
		long deadline = System.nanoTime() + this.leaseWait.toNanos();
		while (true) {
			try {
				return SourceLease.acquire(this.store.regions().get(0), source, purpose, leaseTtl());
			}
			catch (RedoubtException ex) {
				if (ex.code() != ErrorCode.SOURCE_BUSY || System.nanoTime() > deadline) {
					throw ex;
				}
				log.info("waiting for the lease of source {}: {}", source, ex.getMessage());
				try {
					Thread.sleep(Math.min(1000, Math.max(50, leaseTtl().toMillis() / 4)));
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw new RedoubtException(ErrorCode.INTERRUPTED,
							"interrupted while waiting for the lease of source " + source);
				}
			}
		}
	}

	/**
	 * The lease's time to live: {@link SourceLease#DEFAULT_TTL}, or the system property
	 * {@code redoubt.lease-ttl-seconds}.
	 */
	public static java.time.Duration leaseTtl() {
		String seconds = System.getProperty("redoubt.lease-ttl-seconds");
		return (seconds == null) ? SourceLease.DEFAULT_TTL : java.time.Duration.ofSeconds(Long.parseLong(seconds));
	}

	/** Whether anyone holds the lease of {@code source} now. */
	public SourceLease.State leaseState(String source) {
		return SourceLease.state(this.store.regions().get(0), source);
	}

	/**
	 * Starts a backup under {@code lease}: writes its lock in every region, so that until
	 * the manifest is written everywhere the backup is visibly in progress. Its id never
	 * sorts before a backup already in the repository, even when the clock went back: ids
	 * stay in the order backups were taken.
	 */
	public BackupWriter beginBackup(String area, Instant now, SourceLease lease) {
		return beginBackup(area, now, lease, false);
	}

	/**
	 * Whether backups of {@code area} can share chunks: the keys allow it (not when data
	 * keys are wrapped for OpenPGP recipients).
	 */
	public boolean canShareChunks(String area) {
		return this.keys.sharedDataKey(area).isPresent();
	}

	/**
	 * As {@link #beginBackup(String, Instant, SourceLease)}; with {@code shareChunks}
	 * (which {@link #canShareChunks} must allow), chunks are shared with the area's other
	 * backups ({@link BackupWriter}).
	 */
	public BackupWriter beginBackup(String area, Instant now, SourceLease lease, boolean shareChunks) {
		if (shareChunks && !canShareChunks(area)) {
			throw new IllegalArgumentException("backups wrapped for OpenPGP recipients share no chunks");
		}
		Instant at = now;
		List<BackupId> existing = backupIds(area);
		// ids carry the second: a backup begun in the same second as the newest one would
		// sort before it half of the time
		if (!existing.isEmpty()
				&& !existing.get(0).startedAt().isBefore(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))) {
			at = existing.get(0).startedAt().plusSeconds(1);
			log.warn("the clock ({}) is not past the newest backup of {} ({}): backup id taken from {}", now, area,
					existing.get(0), at);
		}
		BackupId id = BackupId.next(at);
		String lock = "{\"backupId\":\"" + id + "\",\"host\":\"" + dev.redoubt.core.process.ProcessIdentity.hostName()
				+ "\",\"pid\":" + ProcessHandle.current().pid() + ",\"startedAt\":\"" + now + "\"}\n";
		byte[] bytes = lock.getBytes(StandardCharsets.UTF_8);
		this.store.createEverywhere(RepositoryLayout.lock(area, id), bytes, bytes.length);
		return new BackupWriter(this.store, this.keys, area, id, this.fence, lease, shareChunks,
				shareChunks ? newestSharedChunks(area, existing) : Map.of());
	}

	/**
	 * A manifest's format version and every chunk it names, whichever kind of backup the
	 * area holds (logical, or base).
	 *
	 * @param formatVersion the manifest's format version
	 * @param chunks every chunk it names
	 */
	public record ManifestChunks(int formatVersion, List<ChunkRef> chunks) {
	}

	/**
	 * The chunks backup {@code id} of {@code area} names, from its verified manifest.
	 * @throws RedoubtException as {@link #readManifest(String, BackupId)}
	 */
	public ManifestChunks manifestChunks(String area, BackupId id) {
		if (BaseBackupManifest.isArea(area)) {
			BaseBackupManifest manifest = readManifest(area, id, BaseBackupManifest.class);
			return new ManifestChunks(manifest.formatVersion(), manifest.chunks());
		}
		Manifest manifest = readManifest(area, id);
		return new ManifestChunks(manifest.formatVersion(), manifest.allChunks());
	}

	/**
	 * The chunks the newest readable backup of format 2 among {@code ids} (newest first)
	 * names, by key; empty if there is none. Only an optimization: a chunk not found here
	 * is encoded and its presence checked as usual.
	 */
	private Map<String, ChunkRef> newestSharedChunks(String area, List<BackupId> ids) {
		for (BackupId id : ids) {
			try {
				ManifestChunks manifest = manifestChunks(area, id);
				int version = manifest.formatVersion();
				List<ChunkRef> chunks = manifest.chunks();
				if (version < Manifest.FORMAT_VERSION_SHARED_CHUNKS) {
					continue;
				}
				Map<String, ChunkRef> known = new java.util.HashMap<>();
				chunks.forEach((chunk) -> known.putIfAbsent(chunk.key(), chunk));
				return known;
			}
			catch (RedoubtException ex) {
				// incomplete or unreadable: try the one before it
			}
		}
		return Map.of();
	}

	/**
	 * As {@link #beginBackup(String, Instant, SourceLease)} without a lease: for tests of
	 * the repository format, which write backups directly.
	 */
	public BackupWriter beginBackup(String area, Instant now) {
		return beginBackup(area, now, null);
	}

	/**
	 * Finishes a commit its writer began and did not end (it died between the fence and
	 * its last manifest): writes the signed manifest, exactly as accepted by the fence,
	 * in every region that lacks it, then removes the backup's lock. Never overwrites; a
	 * copy already there is left as it is.
	 * @return the regions that lacked the manifest
	 */
	public List<String> completeCommit(String source, BackupId id, byte[] manifest) {
		String key = RepositoryLayout.manifest(source, id);
		// what the fence kept is written only if it is the signed manifest it was
		SignedJson.verify(SignedJson.split(manifest), this.keys.signingKey(),
				"manifest of backup " + id + " kept by the fence");
		List<String> written = new ArrayList<>();
		for (ObjectStore region : this.store.regions()) {
			if (region.head(key).isEmpty()) {
				region.create(key, manifest);
				written.add(region.name());
			}
		}
		this.store.deleteEverywhere(RepositoryLayout.lock(source, id));
		return written;
	}

	/**
	 * Every backup id any reachable region knows of, newest first, with its status. A
	 * region that cannot be listed is left out with a warning; if none can, the failure
	 * is thrown.
	 */
	public List<BackupListing> list(String source) {
		Map<String, Map<String, BackupListing.RegionCopy>> byId = new TreeMap<>();
		RedoubtException failure = null;
		int listed = 0;
		List<String> reachable = new ArrayList<>();
		for (ObjectStore region : this.store.regions()) {
			List<ObjectInfo> objects;
			try {
				objects = region.list(RepositoryLayout.backupsPrefix(source));
			}
			catch (RedoubtException ex) {
				log.warn("cannot list region {}: {}", region.name(), ex.getMessage());
				failure = ex;
				continue;
			}
			listed++;
			reachable.add(region.name());
			Map<String, long[]> counts = new TreeMap<>();
			Map<String, boolean[]> flags = new TreeMap<>();
			for (ObjectInfo object : objects) {
				String rest = object.key().substring(RepositoryLayout.backupsPrefix(source).length());
				int slash = rest.indexOf('/');
				if (slash < 0 || !BackupId.looksLikeId(rest.substring(0, slash))) {
					continue;
				}
				String id = rest.substring(0, slash);
				String name = rest.substring(slash + 1);
				long[] count = counts.computeIfAbsent(id, (k) -> new long[2]);
				count[0]++;
				count[1] += object.size();
				boolean[] flag = flags.computeIfAbsent(id, (k) -> new boolean[2]);
				flag[0] |= name.equals(RepositoryLayout.MANIFEST);
				flag[1] |= name.equals(RepositoryLayout.LOCK);
			}
			for (Map.Entry<String, long[]> entry : counts.entrySet()) {
				boolean[] flag = flags.get(entry.getKey());
				byId.computeIfAbsent(entry.getKey(), (k) -> new LinkedHashMap<>())
					.put(region.name(), new BackupListing.RegionCopy(flag[0], flag[1], (int) entry.getValue()[0],
							entry.getValue()[1]));
			}
		}
		if (listed == 0 && failure != null) {
			throw failure;
		}
		List<BackupListing> result = new ArrayList<>();
		for (Map.Entry<String, Map<String, BackupListing.RegionCopy>> entry : byId.entrySet()) {
			Map<String, BackupListing.RegionCopy> copies = new LinkedHashMap<>();
			for (String region : reachable) {
				copies.put(region,
						entry.getValue().getOrDefault(region, new BackupListing.RegionCopy(false, false, 0, 0)));
			}
			result.add(new BackupListing(BackupId.parse(entry.getKey()), status(copies), copies));
		}
		result.sort((a, b) -> b.id().compareTo(a.id()));
		return result;
	}

	private static BackupStatus status(Map<String, BackupListing.RegionCopy> copies) {
		boolean everywhere = copies.values().stream().allMatch(BackupListing.RegionCopy::manifest);
		boolean somewhere = copies.values().stream().anyMatch(BackupListing.RegionCopy::manifest);
		boolean locked = copies.values().stream().anyMatch(BackupListing.RegionCopy::lock);
		if (everywhere) {
			return BackupStatus.COMPLETE;
		}
		// a lock means the writer never finished committing: the manifest in some regions
		// is
		// a crash mid-commit, not a region that lost its copy
		return (somewhere && !locked) ? BackupStatus.DEGRADED : BackupStatus.INCOMPLETE;
	}

	/**
	 * Resolves {@code latest} or an id to a restorable backup. Looks only at backup ids
	 * and at the manifest and lock of each candidate, newest first, never at their
	 * chunks.
	 * @throws RedoubtException {@code BACKUP_NOT_FOUND} naming what exists instead
	 */
	public BackupId resolve(String source, String idOrLatest) {
		if ("latest".equals(idOrLatest)) {
			BackupId newest = null;
			for (BackupId id : backupIds(source)) {
				if (!status(source, id).restorable()) {
					continue;
				}
				if (newest != null) {
					if (source.endsWith("/base")) {
						requireAscending(source, newest, id, BaseBackupManifest.class);
					}
					else {
						requireAscending(source, newest, id, Manifest.class);
					}
					return newest;
				}
				newest = id;
			}
			if (newest != null) {
				return newest;
			}
			throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
					"source " + source + " has no complete backup in any region",
					"take one with ./redoubt backup --source " + source, null);
		}
		BackupId id = BackupId.parse(idOrLatest);
		BackupListing listing = status(source, id);
		if (listing.regions().values().stream().noneMatch((c) -> c.manifest() || c.lock())) {
			throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND, "source " + source + " has no backup " + id,
					"list backups with ./redoubt info --source " + source, null);
		}
		if (!listing.restorable()) {
			throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
					"backup " + id + " of source " + source
							+ " is incomplete (its writer did not finish); it cannot be restored",
					"restore another backup; ./redoubt info --source " + source + " lists them", null);
		}
		return id;
	}

	/**
	 * Every backup id any reachable region holds, newest first. Regions are asked at the
	 * same time: each first request of a region's client is slow.
	 */
	private List<BackupId> backupIds(String source) {
		java.util.TreeSet<BackupId> ids = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
		perRegion((region) -> region.listChildren(RepositoryLayout.backupsPrefix(source)),
				(region, ex) -> log.warn("cannot list region {}: {}", region.name(), ex.getMessage()))
			.values()
			.forEach((names) -> names.stream()
				.filter(BackupId::looksLikeId)
				.forEach((name) -> ids.add(BackupId.parse(name))));
		return new ArrayList<>(ids);
	}

	/** One backup's status from its manifest and lock in each reachable region. */
	private BackupListing status(String source, BackupId id) {
		Map<String, BackupListing.RegionCopy> copies = new LinkedHashMap<>();
		perRegion(
				(region) -> new BackupListing.RegionCopy(region.head(RepositoryLayout.manifest(source, id)).isPresent(),
						region.head(RepositoryLayout.lock(source, id)).isPresent(), 0, 0),
				(region, ex) -> log.warn("cannot inspect backup {} in region {}: {}", id, region.name(),
						ex.getMessage()))
			.forEach((region, copy) -> copies.put(region.name(), copy));
		return new BackupListing(id, status(copies), copies);
	}

	/**
	 * Asks every region at once.
	 * @return the answers of the regions that answered, in region order
	 * @throws RedoubtException the failure of the last region, if none answered
	 */
	private <T> Map<ObjectStore, T> perRegion(java.util.function.Function<ObjectStore, T> question,
			java.util.function.BiConsumer<ObjectStore, RedoubtException> failed) {
		Map<ObjectStore, java.util.concurrent.CompletableFuture<T>> asked = new LinkedHashMap<>();
		this.store.regions()
			.forEach((region) -> asked.put(region,
					java.util.concurrent.CompletableFuture.supplyAsync(() -> question.apply(region), REGION_QUERIES)));
		Map<ObjectStore, T> answers = new LinkedHashMap<>();
		RedoubtException failure = null;
		for (Map.Entry<ObjectStore, java.util.concurrent.CompletableFuture<T>> entry : asked.entrySet()) {
			try {
				answers.put(entry.getKey(), entry.getValue().join());
			}
			catch (java.util.concurrent.CompletionException ex) {
				if (!(ex.getCause() instanceof RedoubtException redoubt)) {
					throw ex;
				}
				failed.accept(entry.getKey(), redoubt);
				failure = redoubt;
			}
		}
		if (answers.isEmpty() && failure != null) {
			throw failure;
		}
		return answers;
	}

	/** Reads and verifies a manifest from the first region with a good copy. */
	public Manifest readManifest(String source, BackupId id) {
		return readManifest(source, id, Manifest.class);
	}

	/**
	 * Reads and verifies a manifest of either kind ({@link Manifest}, a base backup's
	 * {@link BaseBackupManifest}): its signature, and that it names the backup id and the
	 * source it was read under. A validly signed manifest copied to another backup id or
	 * another source's area is refused ({@code MANIFEST_SUBSTITUTED}) and the next
	 * region's copy tried.
	 */
	public <T extends SignedManifest> T readManifest(String source, BackupId id, Class<T> type) {
		String key = RepositoryLayout.manifest(source, id);
		return this.store.readFirstHealthy(key, (region, bytes) -> {
			T manifest = ManifestCodec.decode(bytes, this.keys.signingKey(),
					"manifest of backup " + id + " in region " + region.name(), type);
			String area = (manifest instanceof BaseBackupManifest) ? BaseBackupManifest.area(manifest.source().name())
					: manifest.source().name();
			if (!id.value().equals(manifest.backupId()) || !source.equals(area)) {
				throw new RedoubtException(ErrorCode.MANIFEST_SUBSTITUTED,
						"object " + key + " in region " + region.name() + " is a manifest of backup "
								+ manifest.backupId() + " of source " + manifest.source().name() + ", not of backup "
								+ id + " of source " + source
								+ ": a signed manifest was copied where it does not belong",
						"restore another backup; repo-check --repair rewrites it from a region with the right copy",
						null);
			}
			return manifest;
		})
			.orElseThrow(() -> new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
					"no region holds the manifest of backup " + id + " of source " + source));
	}

	/**
	 * The sequence number for the next backup of {@code area}: one above the newest
	 * readable manifest's (1 for the first, or when the newest predate sequences). Looks
	 * only at backup ids and manifests, newest first, as {@link #resolve} does, never at
	 * the chunks.
	 */
	public <T extends SignedManifest> long nextSequence(String area, Class<T> type) {
		for (BackupId id : backupIds(area)) {
			if (status(area, id).regions().values().stream().noneMatch(BackupListing.RegionCopy::manifest)) {
				continue; // the backup being written, or a leftover
			}
			try {
				Long sequence = readManifest(area, id, type).sequence();
				return (sequence == null) ? 1 : sequence + 1;
			}
			catch (RedoubtException ex) {
				log.warn("manifest of backup {} of {} unreadable while numbering the next backup: {}", id, area,
						ex.getMessage());
			}
		}
		return 1;
	}

	/**
	 * Refuses a newest backup whose sequence is not above the backup before it: a
	 * manifest rolled back, or re-signed out of order, or ids from a clock that went
	 * backwards. Manifests without a sequence (older releases) are not compared.
	 */
	private <T extends SignedManifest> void requireAscending(String area, BackupId newest, BackupId older,
			Class<T> type) {
		Long newer = readManifest(area, newest, type).sequence();
		Long before;
		try {
			before = readManifest(area, older, type).sequence();
		}
		catch (RedoubtException ex) {
			if (ex.code() == ErrorCode.MANIFEST_SUBSTITUTED) {
				throw ex;
			}
			log.warn("cannot compare backup {} with the older backup {}: {}", newest, older, ex.getMessage());
			return;
		}
		if (newer != null && before != null && newer <= before) {
			throw new RedoubtException(ErrorCode.MANIFEST_SUBSTITUTED,
					"manifest sequence " + newer + " of backup " + newest + " of " + area + " is not above " + before
							+ " of the older backup " + older
							+ ": the repository went backwards (a rolled-back or replaced manifest)",
					"name a backup with --backup after checking the repository (repo-check)", null);
		}
	}

	/**
	 * Reads a chunk's stored bytes from the first region whose copy has the recorded size
	 * and SHA-256; a mismatch is logged naming the object and the region, and the next
	 * region is tried.
	 * @throws RedoubtException {@code CORRUPT_OBJECT} if no region has a good copy
	 */
	public byte[] readChunk(ChunkRef chunk) {
		return this.store.readFirstHealthy(chunk.key(), (region, bytes) -> {
			if (bytes.length != chunk.storedBytes()) {
				throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, "object " + chunk.key() + " in region "
						+ region.name() + " has " + bytes.length + " bytes, expected " + chunk.storedBytes());
			}
			String actual = Digests.sha256(bytes, 0, bytes.length);
			if (!actual.equals(chunk.storedSha256())) {
				throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, "object " + chunk.key() + " in region "
						+ region.name() + " is corrupt: sha256 " + actual + ", expected " + chunk.storedSha256());
			}
			return bytes;
		})
			.orElseThrow(() -> new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					"object " + chunk.key() + " is missing in every region"));
	}

	/**
	 * Stores a signed verification record beside the backup, in every region.
	 * @return the object key
	 */
	public String writeVerification(VerificationRecord record) {
		BackupId id = BackupId.parse(record.backupId());
		String finished = VERIFICATION_TIME.format(record.finishedAt());
		String key = RepositoryLayout.verification(record.source(), id, finished, record.region());
		byte[] bytes = SignedJson.sign(ManifestCodec.json().writeValueAsBytes(record), this.keys.signingKey());
		CrashPoint.pauseIfAsked(CrashPoint.BEFORE_VERIFICATION_RECORD);
		requireManifest(record.source(), id);
		this.store.createEverywhere(key, bytes, bytes.length);
		try {
			requireManifest(record.source(), id);
		}
		catch (RedoubtException ex) {
			// expired between the check and the write: take the record back, so that no
			// prefix of an expired backup is re-created
			this.store.deleteEverywhere(key);
			throw ex;
		}
		return key;
	}

	/**
	 * Refuses to record anything beside a backup that no region holds a manifest of any
	 * more: retention expired it while it was verified.
	 */
	private void requireManifest(String area, BackupId id) {
		String manifest = RepositoryLayout.manifest(area, id);
		if (this.store.regions().stream().noneMatch((region) -> region.head(manifest).isPresent())) {
			throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
					"backup " + id + " of " + area + " was expired while it was verified: no verification record"
							+ " is written (it would re-create the expired backup's objects)",
					"verify a backup the retention policy keeps (./redoubt info lists them)", null);
		}
	}

	/**
	 * The backup's verification records, oldest first, from the first region that can
	 * list them; a record that fails its signature is logged and left out, so a forged
	 * record never makes a backup look verified.
	 */
	public List<VerificationRecord> verifications(String source, BackupId id) {
		for (ObjectStore region : this.store.regions()) {
			try {
				return verificationsIn(region, source, id);
			}
			catch (RedoubtException ex) {
				log.warn("cannot read the verifications of backup {} in region {}: {}", id, region.name(),
						ex.getMessage());
			}
		}
		return List.of();
	}

	/**
	 * As {@link #verifications}, but a region that cannot be listed or read fails the
	 * call instead of being passed over: for retention, which must not judge a backup
	 * unverified (and expendable) because a record could not be read.
	 * @throws RedoubtException naming the region when a listing or a read fails
	 */
	public List<VerificationRecord> verificationsOrFail(String source, BackupId id) {
		return verificationsIn(this.store.regions().get(0), source, id);
	}

	private List<VerificationRecord> verificationsIn(ObjectStore region, String source, BackupId id) {
		List<VerificationRecord> records = new ArrayList<>();
		for (ObjectInfo object : region.list(RepositoryLayout.verificationsPrefix(source, id))) {
			String where = "verification record " + object.key() + " in region " + region.name();
			byte[] bytes = region.read(object.key())
				.orElseThrow(() -> new RedoubtException(ErrorCode.REGION_UNREACHABLE,
						where + " was listed but cannot be read"));
			try {
				SignedJson.Parts parts = SignedJson.split(bytes);
				SignedJson.verify(parts, this.keys.signingKey(), where);
				records.add(ManifestCodec.json().readValue(parts.json(), VerificationRecord.class));
			}
			catch (RuntimeException ex) {
				log.warn("{} is left out: {}", where, ex.getMessage());
			}
		}
		records.sort(java.util.Comparator.comparing(VerificationRecord::finishedAt));
		return records;
	}

	/**
	 * Stores a signed drill record of {@code source} in every region of this repository
	 * (after a drill's region loss: the surviving ones), so that the drill history
	 * outlives the metadata database and the lost region.
	 * @param name the record's name: its disaster time and type, unique per drill
	 * @return the object key
	 */
	public String writeDrill(String source, String name, byte[] json) {
		String key = RepositoryLayout.drill(source, name);
		byte[] bytes = SignedJson.sign(json, this.keys.signingKey());
		this.store.createEverywhere(key, bytes, bytes.length);
		return key;
	}

	/**
	 * The JSON of every drill record of {@code source} whose signature holds, by name
	 * (oldest first), from every region that can list them: a drill stores its record in
	 * the regions that survived it only, so the history is their union. A record that
	 * fails its signature, or a region that cannot be read, is logged and left out.
	 */
	public List<byte[]> drills(String source) {
		Map<String, byte[]> records = new TreeMap<>();
		for (ObjectStore region : this.store.regions()) {
			try {
				for (ObjectInfo object : region.list(RepositoryLayout.drillsPrefix(source))) {
					if (records.containsKey(object.key())) {
						continue;
					}
					String where = "drill record " + object.key() + " in region " + region.name();
					try {
						byte[] bytes = region.read(object.key())
							.orElseThrow(() -> new RedoubtException(ErrorCode.REGION_UNREACHABLE,
									where + " was listed but cannot be read"));
						SignedJson.Parts parts = SignedJson.split(bytes);
						SignedJson.verify(parts, this.keys.signingKey(), where);
						records.put(object.key(), parts.json());
					}
					catch (RuntimeException ex) {
						log.warn("{} is left out: {}", where, ex.getMessage());
					}
				}
			}
			catch (RedoubtException ex) {
				log.warn("cannot list the drill records of {} in region {}: {}", source, region.name(),
						ex.getMessage());
			}
		}
		return List.copyOf(records.values());
	}

	private static final java.time.format.DateTimeFormatter VERIFICATION_TIME = java.time.format.DateTimeFormatter
		.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
		.withZone(java.time.ZoneOffset.UTC);

	/** The backup's data key, unwrapped with the configured key-encryption key. */
	public byte[] dataKey(Manifest manifest) {
		return this.keys.keyEncryptionKey().unwrap(manifest.dataKey(), manifest.backupId());
	}

	@Override
	public void close() {
		this.store.close();
	}

}
