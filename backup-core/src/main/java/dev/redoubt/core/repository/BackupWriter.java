package dev.redoubt.core.repository;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.EncodedChunk;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.key.WrappedDataKey;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.ObjectStore;

/**
 * Writes one backup: chunks to every region, then the manifest, the only way a manifest
 * is ever written. Chunks of identical content within the backup are stored once. A
 * writer that shares chunks
 * ({@link Repository#beginBackup(String, java.time.Instant, SourceLease, boolean)})
 * stores them under {@code <source>/chunks/} with the source's shared data key, and
 * uploads a chunk only to the regions that do not hold it yet: a backup costs what
 * changed since any kept backup of the source.
 */
public final class BackupWriter {

	private static final List<String> CODECS = List.of(ChunkEncoder.CODEC_ZSTD, ChunkEncoder.CODEC_AES_GCM);

	private final MultiRegionStore store;

	private final RepositoryKeys keys;

	private final String source;

	private final BackupId id;

	private final byte[] dataKey;

	/**
	 * With shared chunks: each region's shared chunks (key to size) when the backup
	 * began; else {@code null}.
	 */
	private final List<Map<String, Long>> sharedInRegions;

	private final AtomicLong uploadedBytes = new AtomicLong();

	/**
	 * With shared chunks: the chunks the newest earlier backup of format 2 names, by key,
	 * for their stored size and SHA-256; else empty.
	 */
	private final Map<String, ChunkRef> known;

	private final ConcurrentMap<String, CompletableFuture<EncodedChunkInfo>> stored = new ConcurrentHashMap<>();

	private final CommitFence fence;

	private final SourceLease lease;

	private CrashPoint crashPoint = CrashPoint.NONE;

	BackupWriter(MultiRegionStore store, RepositoryKeys keys, String source, BackupId id, CommitFence fence,
			SourceLease lease, boolean shareChunks, Map<String, ChunkRef> known) {
		this.known = known;
		this.store = store;
		this.keys = keys;
		this.source = source;
		this.id = id;
		this.fence = fence;
		this.lease = lease;
		if (shareChunks) {
			this.dataKey = keys.sharedDataKey(source).orElseThrow();
			this.sharedInRegions = new ArrayList<>();
			for (ObjectStore region : store.regions()) {
				Map<String, Long> sizes = new HashMap<>();
				region.list(RepositoryLayout.sharedChunksPrefix(source))
					.forEach((object) -> sizes.put(object.key(), object.size()));
				this.sharedInRegions.add(sizes);
			}
		}
		else {
			this.dataKey = RepositoryKeys.newDataKey();
			this.sharedInRegions = null;
		}
	}

	/**
	 * Whether chunks are shared with the source's other backups: encoders must then use
	 * per-chunk keys ({@code ChunkEncoder(..., true)}), and the manifest is of format 2.
	 */
	public boolean sharesChunks() {
		return this.sharedInRegions != null;
	}

	/**
	 * A shared chunk that every region holds already, as the newest earlier backup of
	 * format 2 recorded it (stored size and SHA-256, without bytes), for
	 * {@link ChunkEncoder#finish(ChunkEncoder.StoredChunks)}: such a chunk is neither
	 * encrypted nor uploaded again.
	 */
	public java.util.Optional<EncodedChunk> storedEverywhere(String chunkId) {
		if (!sharesChunks()) {
			return java.util.Optional.empty();
		}
		String key = RepositoryLayout.sharedChunk(this.source, chunkId);
		ChunkRef ref = this.known.get(key);
		if (ref == null || this.sharedInRegions.stream().anyMatch((sizes) -> {
			Long size = sizes.get(key);
			return size == null || size != ref.storedBytes();
		})) {
			return java.util.Optional.empty();
		}
		return java.util.Optional
			.of(new EncodedChunk(chunkId, ref.plainBytes(), null, (int) ref.storedBytes(), ref.storedSha256()));
	}

	/**
	 * Stored bytes of the chunks this backup uploaded so far (each counted once, as a
	 * region holds it): with shared chunks, only those some region lacked.
	 */
	public long uploadedBytes() {
		return this.uploadedBytes.get();
	}

	public BackupId id() {
		return this.id;
	}

	public byte[] dataKey() {
		return this.dataKey;
	}

	public WrappedDataKey wrappedDataKey() {
		return this.keys.keyEncryptionKey().wrap(this.dataKey, this.id.value());
	}

	/** For crash-safety tests only: halt the process at a named point. */
	public void crashPoint(CrashPoint crashPoint) {
		this.crashPoint = crashPoint;
	}

	/**
	 * Uploads a chunk to every region and returns its manifest entry. Blocks until every
	 * region holds it.
	 */
	public ChunkRef storeChunk(EncodedChunk chunk, long rows, String keyMin, String keyMax, String contentHash) {
		String key = sharesChunks() ? RepositoryLayout.sharedChunk(this.source, chunk.id())
				: RepositoryLayout.chunk(this.source, this.id, chunk.id());
		CompletableFuture<EncodedChunkInfo> mine = new CompletableFuture<>();
		CompletableFuture<EncodedChunkInfo> first = this.stored.putIfAbsent(chunk.id(), mine);
		EncodedChunkInfo info;
		if (first == null) {
			try {
				if (this.crashPoint == CrashPoint.DURING_CHUNK_UPLOAD && this.stored.size() == 3) {
					// the third chunk reaches the first region only, then the process
					// dies (a shared chunk may be there already, or need no upload)
					if (chunk.stored() != null && !(sharesChunks() && storedIn(0, key, chunk.storedLength()))) {
						this.store.regions().get(0).create(key, chunk.stored(), 0, chunk.storedLength());
					}
					this.crashPoint.reached(CrashPoint.DURING_CHUNK_UPLOAD);
				}
				if (chunk.stored() == null) {
					// every region holds it (storedEverywhere): nothing to upload
				}
				else if (sharesChunks()) {
					storeShared(key, chunk);
				}
				else {
					this.store.createEverywhere(key, chunk.stored(), chunk.storedLength(), chunk.storedSha256());
					this.uploadedBytes.addAndGet(chunk.storedLength());
				}
				info = new EncodedChunkInfo(chunk.storedLength(), chunk.storedSha256());
				mine.complete(info);
			}
			catch (RuntimeException ex) {
				mine.completeExceptionally(ex);
				throw ex;
			}
		}
		else {
			// same plaintext as a chunk already stored in this backup: reference that
			// object
			info = first.join();
		}
		return new ChunkRef(key, chunk.id(), rows, chunk.plainBytes(), info.storedBytes(), info.storedSha256(), CODECS,
				keyMin, keyMax, contentHash);
	}

	/**
	 * A shared chunk to the regions that lack it. Its bytes follow from its content, so a
	 * copy already there (of the same size: the commit checks sizes again) is this very
	 * chunk; one written by a backup that died before its manifest is as good.
	 */
	private void storeShared(String key, EncodedChunk chunk) {
		List<ObjectStore> regions = this.store.regions();
		int written = this.store.createWhereMissing(key, chunk.stored(), chunk.storedLength(), chunk.storedSha256(),
				(region) -> storedIn(regions.indexOf(region), key, chunk.storedLength()));
		if (written > 0) {
			this.uploadedBytes.addAndGet(chunk.storedLength());
		}
	}

	/**
	 * Whether region {@code index} held shared chunk {@code key} of that size at the
	 * start.
	 */
	private boolean storedIn(int index, String key, long size) {
		Long listed = this.sharedInRegions.get(index).get(key);
		return listed != null && listed == size;
	}

	/**
	 * Writes the manifest in every region, one after the other, then removes the lock.
	 * Until this returns, the backup is not listed as restorable.
	 */
	public void commit(Manifest manifest) {
		commitEncoded(ManifestCodec.encode(manifest, this.keys.signingKey()), manifest.allChunks());
	}

	/**
	 * As {@link #commit(Manifest)}, for a manifest of another kind, encoded and signed,
	 * that names {@code chunks}. Before the manifest is written: the lease must still be
	 * this writer's (a writer that stalled past its expiry is fenced out), and every
	 * chunk the manifest names must be in every region with its recorded size (nothing
	 * removed them while the backup ran).
	 */
	public void commitEncoded(byte[] bytes, List<ChunkRef> chunks) {
		CrashPoint.pauseIfAsked(CrashPoint.BEFORE_MANIFEST);
		this.crashPoint.reached(CrashPoint.BEFORE_MANIFEST);
		if (this.lease != null) {
			this.lease.requireHeld();
		}
		requireChunksPresent(chunks);
		this.fence.beforeManifest(this.source, this.id, bytes);
		this.store.createInOrder(RepositoryLayout.manifest(this.source, this.id), bytes,
				(region) -> this.crashPoint.reached(CrashPoint.AFTER_FIRST_MANIFEST));
		this.store.deleteEverywhere(RepositoryLayout.lock(this.source, this.id));
	}

	/**
	 * Lists the backup's objects in each region (one listing per backup whose chunks the
	 * manifest names, not a request per chunk) and refuses the commit if a chunk the
	 * manifest names is missing or has another size.
	 */
	private void requireChunksPresent(List<ChunkRef> chunks) {
		java.util.Set<String> prefixes = new java.util.TreeSet<>();
		chunks.forEach((chunk) -> prefixes.add(chunk.key().substring(0, chunk.key().lastIndexOf('/') + 1)));
		for (dev.redoubt.core.store.ObjectStore region : this.store.regions()) {
			java.util.Map<String, Long> sizes = new java.util.HashMap<>();
			prefixes
				.forEach((prefix) -> region.list(prefix).forEach((object) -> sizes.put(object.key(), object.size())));
			for (ChunkRef chunk : chunks) {
				Long size = sizes.get(chunk.key());
				if (size == null || size != chunk.storedBytes()) {
					throw new dev.redoubt.core.error.RedoubtException(dev.redoubt.core.error.ErrorCode.CORRUPT_OBJECT,
							"backup " + this.id + " of " + this.source + " is not committed: object " + chunk.key()
									+ " in region " + region.name()
									+ ((size == null) ? " is gone"
											: " has " + size + " bytes, not " + chunk.storedBytes())
									+ " since it was written",
							"run the backup again; check what else deletes objects in the bucket (lifecycle rules,"
									+ " another retention)",
							null);
				}
			}
		}
	}

	private record EncodedChunkInfo(long storedBytes, String storedSha256) {
	}

}
