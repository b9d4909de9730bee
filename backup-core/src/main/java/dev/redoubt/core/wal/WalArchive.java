package dev.redoubt.core.wal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.CorruptDataException;
import dev.redoubt.core.codec.Digests;
import dev.redoubt.core.codec.EncodedChunk;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.key.WrappedDataKey;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.manifest.SignedJson;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.repository.Repository;

/**
 * The archived WAL of one source's cluster, in every region:
 *
 * <pre>
 * &lt;source&gt;/wal/&lt;WAL file name&gt;        one object per segment, history, .partial or .backup file
 * &lt;source&gt;/wal-keys/&lt;key id&gt;         a signed, wrapped data key; each archiver run makes one
 * &lt;source&gt;/wal-stream/&lt;segment&gt;-&lt;valid bytes, 8 hex&gt;.partial
 *                                    what wal-stream received of the segment being written
 * </pre>
 *
 * An archived file is {@code REDOUBT-WAL 1}, a JSON header line (its name, data key,
 * content id, sizes and the SHA-256 of what follows) and the zstd-compressed, AES-256-GCM
 * encrypted file. The object's name is the WAL file's name, so PostgreSQL's
 * {@code restore_command} costs one GET; its content is never overwritten (see
 * {@link Writer#push}).
 *
 * <p>
 * A streamed snapshot ({@link Writer#pushStreamed}) is the segment {@code wal-stream} is
 * receiving, as far as it had it: the whole segment file, zero-padded past its valid
 * bytes, named by that count so that each snapshot is a new object and nothing is
 * overwritten. Snapshots are not part of the archive's continuity: they stand in for a
 * segment only where the archive ends ({@link #fetchOrStreamed}), so that a recovery to
 * the latest point replays what was committed seconds ago; the streamer deletes a
 * segment's snapshots once the complete segment is archived.
 */
public final class WalArchive {

	/** One line per header: the manifest codec indents. */
	private static final tools.jackson.databind.json.JsonMapper HEADER_JSON = tools.jackson.databind.json.JsonMapper
		.builder()
		.disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WalArchive.class);

	private static final byte[] MAGIC = "REDOUBT-WAL 1\n".getBytes(StandardCharsets.US_ASCII);

	private final Repository repository;

	private final String source;

	private final Map<String, byte[]> dataKeys = new ConcurrentHashMap<>();

	public WalArchive(Repository repository, String source) {
		this.repository = repository;
		this.source = source;
	}

	public static String prefix(String source) {
		return source + "/wal/";
	}

	public static String key(String source, String name) {
		return prefix(source) + name;
	}

	public static String streamPrefix(String source) {
		return source + "/wal-stream/";
	}

	/** The name of a streamed snapshot of {@code segment} holding {@code validBytes}. */
	public static String streamedName(String segment, long validBytes) {
		if (!WalNames.isSegment(segment) || validBytes < 0 || validBytes > 0xFFFFFFFFL) {
			throw new IllegalArgumentException("no streamed snapshot of " + segment + " with " + validBytes + " bytes");
		}
		return segment + "-" + String.format("%08X", validBytes) + ".partial";
	}

	/** A streamed snapshot's name parsed: its segment and valid bytes. */
	public record Streamed(String segment, long validBytes) {

		static final java.util.regex.Pattern NAME = java.util.regex.Pattern
			.compile("([0-9A-F]{24})-([0-9A-F]{8})\\.partial");

		/** The snapshot a name denotes, or empty for any other name. */
		public static Optional<Streamed> parse(String name) {
			java.util.regex.Matcher matcher = NAME.matcher(name);
			return matcher.matches() ? Optional.of(new Streamed(matcher.group(1), Long.parseLong(matcher.group(2), 16)))
					: Optional.empty();
		}

		public String name() {
			return streamedName(this.segment, this.validBytes);
		}

	}

	private static String dataKeyKey(String source, String keyId) {
		return source + "/wal-keys/" + keyId + ".json";
	}

	/** The signed record of the cluster whose WAL this archive holds. */
	private static String clusterKey(String source) {
		return source + "/wal-cluster.json";
	}

	/**
	 * Which cluster an archive holds: its system identifier, claimed by the first push.
	 */
	public record ClusterRecord(String systemIdentifier) {
	}

	/** The system identifier of the cluster this archive holds, once read or claimed. */
	private volatile String systemIdentifier;

	/**
	 * The system identifier a WAL segment names in its first page's long header
	 * ({@code xlp_sysid}), or {@code null} for a file that has none (a history, backup or
	 * partial file, or a segment whose header this does not recognize).
	 */
	static String systemIdentifierOf(byte[] content, int length) {
		if (length < 40) {
			return null;
		}
		java.nio.ByteBuffer page = java.nio.ByteBuffer.wrap(content, 0, 40).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		int magic = page.getShort(0) & 0xFFFF;
		int info = page.getShort(2) & 0xFFFF;
		// XLOG_PAGE_MAGIC is 0xD0xx-0xD1xx across the supported versions; XLP_LONG_HEADER
		if ((magic & 0xFE00) != 0xD000 || (info & 0x0002) == 0) {
			return null;
		}
		return Long.toUnsignedString(page.getLong(24));
	}

	/**
	 * Refuses a segment of another cluster than the one this archive holds (claimed, in
	 * every region, by the first segment pushed): a re-initdb'd server, or another server
	 * pointed at the same source, would otherwise mix its WAL into this one's.
	 */
	private void requireSameCluster(String name, byte[] content, int length) {
		if (!WalNames.isSegment(name)) {
			return;
		}
		String theirs = systemIdentifierOf(content, length);
		if (theirs == null) {
			return;
		}
		String known = this.systemIdentifier;
		if (known == null) {
			known = claimCluster(theirs);
			this.systemIdentifier = known;
		}
		if (!known.equals(theirs)) {
			throw new RedoubtException(ErrorCode.WAL_CONFLICT,
					"WAL file " + name + " comes from the cluster with system identifier " + theirs
							+ ", but the archive of source " + this.source + " holds cluster " + known
							+ "; nothing was archived",
					"another or a re-initialized cluster archives under this source: give it a source of its own",
					null);
		}
	}

	/** The archive's cluster: the one recorded, or {@code candidate}, recorded now. */
	private String claimCluster(String candidate) {
		byte[] json = ManifestCodec.json().writeValueAsBytes(new ClusterRecord(candidate));
		byte[] signed = SignedJson.sign(json, this.repository.keys().signingKey());
		java.util.concurrent.atomic.AtomicReference<String> recorded = new java.util.concurrent.atomic.AtomicReference<>(
				candidate);
		this.repository.store().createEverywhere(clusterKey(this.source), signed, signed.length, (region) -> {
			byte[] existing = region.read(clusterKey(this.source))
				.orElseThrow(() -> new RedoubtException(ErrorCode.CORRUPT_OBJECT,
						"object " + clusterKey(this.source) + " in region " + region.name() + " cannot be read"));
			SignedJson.Parts parts = SignedJson.split(existing);
			SignedJson.verify(parts, this.repository.keys().signingKey(),
					"object " + clusterKey(this.source) + " in region " + region.name());
			recorded.set(ManifestCodec.json().readValue(parts.json(), ClusterRecord.class).systemIdentifier());
		});
		return recorded.get();
	}

	/** The header line of an archived file; not secret. */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	public record Header(String name, String keyId, String contentId, long plainBytes, long storedBytes,
			String storedSha256) {
	}

	/** The object holding one data key, signed so that a forged key is refused. */
	public record DataKeyRecord(String keyId, Instant createdAt, WrappedDataKey dataKey) {
	}

	/**
	 * Starts writing: stores a fresh data key in every region, used for every file this
	 * writer pushes.
	 */
	public Writer writer(int compressionLevel) {
		String keyId = "k" + Long.toHexString(System.currentTimeMillis()) + "-"
				+ java.util.HexFormat.of().formatHex(RepositoryKeys.newDataKey(), 0, 4);
		byte[] dataKey = RepositoryKeys.newDataKey();
		WrappedDataKey wrapped = this.repository.keys().keyEncryptionKey().wrap(dataKey, keyId);
		byte[] json = ManifestCodec.json().writeValueAsBytes(new DataKeyRecord(keyId, Instant.now(), wrapped));
		byte[] signed = SignedJson.sign(json, this.repository.keys().signingKey());
		this.repository.store().createEverywhere(dataKeyKey(this.source, keyId), signed, signed.length);
		this.dataKeys.put(keyId, dataKey);
		return new Writer(keyId, dataKey, compressionLevel);
	}

	/** Pushes WAL files with one data key; thread-safe, one encoder per call. */
	public final class Writer {

		private final String keyId;

		private final byte[] dataKey;

		private final int compressionLevel;

		private Writer(String keyId, byte[] dataKey, int compressionLevel) {
			this.keyId = keyId;
			this.dataKey = dataKey;
			this.compressionLevel = compressionLevel;
		}

		/**
		 * Stores {@code content} as WAL file {@code name} in every region; returns when
		 * every region holds it. A region that holds that name already is accepted only
		 * if its copy decodes to exactly {@code content}: pushing a file twice is
		 * harmless, a different file under an archived name is refused and nothing is
		 * overwritten.
		 * @return {@code true} if some region stored it now, {@code false} if every
		 * region held it already
		 * @throws RedoubtException {@code WAL_CONFLICT} naming the region with other
		 * content
		 */
		public boolean push(String name, byte[] content, int length) {
			WalNames.requireWalFileName(name);
			requireSameCluster(name, content, length);
			byte[] object = encode(name, content, length);
			java.util.concurrent.atomic.AtomicInteger existed = new java.util.concurrent.atomic.AtomicInteger();
			int regions = WalArchive.this.repository.store().regions().size();
			WalArchive.this.repository.store()
				.createEverywhere(key(WalArchive.this.source, name), object, object.length, (region) -> {
					byte[] theirs = readFrom(region, name)
						.orElseThrow(() -> new RedoubtException(ErrorCode.WAL_CONFLICT, "WAL file " + name
								+ " exists in region " + region.name() + " but cannot be read back to compare"));
					if (!Arrays.equals(theirs, 0, theirs.length, content, 0, length)) {
						throw new RedoubtException(ErrorCode.WAL_CONFLICT,
								"WAL file " + name + " is archived in region " + region.name()
										+ " with different content; nothing was overwritten",
								"two servers are archiving to source " + WalArchive.this.source
										+ " (after a failover?): give the new primary its own source, or fence the old one",
								null);
					}
					existed.incrementAndGet();
				});
			return existed.get() < regions;
		}

		/**
		 * Stores a snapshot of {@code segment} as far as it was received: {@code content}
		 * is the whole (zero-padded) segment file, of which the first {@code validBytes}
		 * are WAL. Returns when every region holds it. A region that holds a snapshot of
		 * that name already keeps it (it holds the same valid bytes).
		 * @return the snapshot's name
		 */
		public String pushStreamed(String segment, byte[] content, int length, long validBytes) {
			String name = streamedName(segment, validBytes);
			requireSameCluster(segment, content, length);
			byte[] object = encode(name, content, length);
			WalArchive.this.repository.store()
				.createEverywhere(streamPrefix(WalArchive.this.source) + name, object, object.length, (region) -> {
					// the same valid bytes, received twice: either copy serves
				});
			return name;
		}

		private byte[] encode(String name, byte[] content, int length) {
			ChunkEncoder encoder = new ChunkEncoder(this.dataKey, WalArchive.this.repository.keys().chunkIdKey(),
					this.compressionLevel, length / 2 + 4096);
			encoder.begin();
			encoder.write(content, 0, length);
			EncodedChunk chunk = encoder.finish();
			byte[] header = HEADER_JSON.writeValueAsBytes(
					new Header(name, this.keyId, chunk.id(), length, chunk.storedLength(), chunk.storedSha256()));
			byte[] object = new byte[MAGIC.length + header.length + 1 + chunk.storedLength()];
			System.arraycopy(MAGIC, 0, object, 0, MAGIC.length);
			System.arraycopy(header, 0, object, MAGIC.length, header.length);
			object[MAGIC.length + header.length] = '\n';
			System.arraycopy(chunk.stored(), 0, object, MAGIC.length + header.length + 1, chunk.storedLength());
			return object;
		}

	}

	/**
	 * The WAL file's content from the first region with a good copy; a damaged copy is
	 * logged naming the region and the next region is tried.
	 * @return empty if no region holds that name
	 * @throws RedoubtException if some region holds it but none can be read or verified
	 */
	public Optional<byte[]> fetch(String name) {
		WalNames.requireWalFileName(name);
		// not readFirstHealthy: a missing file is PostgreSQL's everyday question, not a
		// warning
		RedoubtException failure = null;
		for (ObjectStore region : this.repository.store().regions()) {
			try {
				Optional<byte[]> content = readFrom(region, name);
				if (content.isPresent()) {
					return content;
				}
			}
			catch (RedoubtException ex) {
				log.warn("{}: {}", name, ex.getMessage());
				failure = ex;
			}
		}
		if (failure != null) {
			throw failure;
		}
		return Optional.empty();
	}

	/**
	 * The WAL file, or where the archive ends, the newest streamed snapshot of that
	 * segment (a whole segment, zero-padded past what was received): what a recovery to
	 * the latest point asks for. A complete segment always wins over a snapshot.
	 */
	public Optional<byte[]> fetchOrStreamed(String name) {
		Optional<byte[]> archived = fetch(name);
		return (archived.isPresent() || !WalNames.isSegment(name)) ? archived : fetchStreamed(name);
	}

	/**
	 * The newest readable streamed snapshot of {@code segment}: the whole segment,
	 * zero-padded past what was received; empty if there is none.
	 */
	public Optional<byte[]> fetchStreamed(String segment) {
		for (Streamed snapshot : streamed(segment)) {
			for (ObjectStore region : this.repository.store().regions()) {
				try {
					Optional<byte[]> content = region.read(streamPrefix(this.source) + snapshot.name())
						.map((bytes) -> decode(region, snapshot.name(), bytes));
					if (content.isPresent()) {
						return content;
					}
				}
				catch (RedoubtException ex) {
					log.warn("{}: {}", snapshot.name(), ex.getMessage());
				}
			}
		}
		return Optional.empty();
	}

	/**
	 * The streamed snapshots of {@code segment} in any reachable region, the most valid
	 * bytes first; every segment's when {@code segment} is {@code null}.
	 */
	public List<Streamed> streamed(String segment) {
		TreeSet<String> names = new TreeSet<>();
		String prefix = streamPrefix(this.source) + ((segment == null) ? "" : segment + "-");
		for (ObjectStore region : this.repository.store().regions()) {
			try {
				for (ObjectInfo object : region.list(prefix)) {
					names.add(object.key().substring(streamPrefix(this.source).length()));
				}
			}
			catch (RedoubtException ex) {
				log.warn("cannot list the streamed WAL of source {} in region {}: {}", this.source, region.name(),
						ex.getMessage());
			}
		}
		List<Streamed> snapshots = new ArrayList<>();
		for (String name : names.descendingSet()) {
			Streamed.parse(name).ifPresent(snapshots::add);
		}
		return snapshots;
	}

	/** Deletes a streamed snapshot in every region. */
	public void deleteStreamed(Streamed snapshot) {
		this.repository.store().deleteEverywhere(streamPrefix(this.source) + snapshot.name());
	}

	private Optional<byte[]> readFrom(ObjectStore region, String name) {
		return region.read(key(this.source, name)).map((bytes) -> decode(region, name, bytes));
	}

	private byte[] decode(ObjectStore region, String name, byte[] object) {
		String where = "WAL file " + name + " in region " + region.name();
		int newline = MAGIC.length;
		while (newline < object.length && object[newline] != '\n') {
			newline++;
		}
		if (object.length < MAGIC.length || !Arrays.equals(object, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
				|| newline >= object.length) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, where + " is not a Redoubt WAL object");
		}
		Header header;
		try {
			header = HEADER_JSON.readValue(Arrays.copyOfRange(object, MAGIC.length, newline), Header.class);
		}
		catch (RuntimeException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, where + " has an unreadable header");
		}
		int payload = newline + 1;
		int stored = object.length - payload;
		if (!name.equals(header.name()) || stored != header.storedBytes()
				|| !Digests.sha256(object, payload, stored).equals(header.storedSha256())) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					where + " is corrupt: its size or SHA-256 differs from its header");
		}
		byte[] dataKey = this.dataKeys.computeIfAbsent(header.keyId(), this::readDataKey);
		try {
			byte[] plain = ChunkDecoder.readAll(Arrays.copyOfRange(object, payload, object.length), dataKey,
					this.repository.keys().chunkIdKey(), header.contentId());
			if (plain.length != header.plainBytes()) {
				throw new CorruptDataException(
						"decoded to " + plain.length + " bytes, expected " + header.plainBytes());
			}
			return plain;
		}
		catch (CorruptDataException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, where + " is corrupt: " + ex.getMessage());
		}
	}

	private byte[] readDataKey(String keyId) {
		String key = dataKeyKey(this.source, keyId);
		return this.repository.store().readFirstHealthy(key, (region, bytes) -> {
			SignedJson.Parts parts = SignedJson.split(bytes);
			SignedJson.verify(parts, this.repository.keys().signingKey(),
					"WAL data key " + keyId + " in region " + region.name());
			DataKeyRecord record = ManifestCodec.json().readValue(parts.json(), DataKeyRecord.class);
			return this.repository.keys().keyEncryptionKey().unwrap(record.dataKey(), keyId);
		})
			.orElseThrow(() -> new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					"WAL data key " + keyId + " of source " + this.source + " is missing in every region"));
	}

	/**
	 * The names of every archived WAL file in any reachable region, sorted; with, per
	 * region, what that region holds, so a file missing in one region shows.
	 */
	public Listing list() {
		TreeSet<String> all = new TreeSet<>();
		Map<String, java.util.Set<String>> byRegion = new java.util.LinkedHashMap<>();
		List<String> unreachable = new ArrayList<>();
		for (ObjectStore region : this.repository.store().regions()) {
			try {
				java.util.Set<String> names = new TreeSet<>();
				for (ObjectInfo object : region.list(prefix(this.source))) {
					names.add(object.key().substring(prefix(this.source).length()));
				}
				all.addAll(names);
				byRegion.put(region.name(), names);
			}
			catch (RedoubtException ex) {
				unreachable.add(region.name() + ": " + ex.getMessage());
			}
		}
		if (byRegion.isEmpty() && !unreachable.isEmpty()) {
			throw new RedoubtException(ErrorCode.REGION_UNREACHABLE,
					"cannot list the WAL archive of source " + this.source + " in any region: " + unreachable);
		}
		return new Listing(List.copyOf(all), byRegion, unreachable);
	}

	/**
	 * @param names every archived file name, sorted
	 * @param byRegion what each listed region holds
	 * @param unreachable regions that could not be listed, with why
	 */
	public record Listing(List<String> names, Map<String, java.util.Set<String>> byRegion, List<String> unreachable) {
	}

}
