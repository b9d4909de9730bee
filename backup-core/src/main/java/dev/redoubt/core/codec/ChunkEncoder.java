package dev.redoubt.core.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import javax.crypto.Mac;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;

/**
 * Turns a stream of plaintext into one stored chunk: zstd, keyed hash of the compressed
 * bytes (the chunk's name), segmented AES-256-GCM, into memory. One encoder per worker,
 * reused chunk after chunk, so memory is bounded by the chunk size and never grows with
 * the database.
 *
 * <p>
 * Plaintext is gathered in a small buffer first: each zstd call crosses JNI, and a call
 * per row of a few dozen bytes would cost more than the compression.
 */
public final class ChunkEncoder {

	/** The codec chain every chunk written by this encoder records in the manifest. */
	public static final String CODEC_ZSTD = "zstd";

	public static final String CODEC_AES_GCM = "aes-256-gcm-segmented";

	private static final int GATHER_BYTES = 256 * 1024;

	private final byte[] dataKey;

	private final Mac idMac;

	private final int compressionLevel;

	private final ByteSink sink;

	private final byte[] gather = new byte[GATHER_BYTES];

	private int gathered;

	private long plainBytes;

	private OutputStream compressor;

	/**
	 * For chunks under keys of their own ({@link SegmentedGcm#encryptChunk}): the
	 * compressed bytes, encrypted once the chunk's id is known; else {@code null}.
	 */
	private final ByteSink compressed;

	public ChunkEncoder(byte[] dataKey, byte[] chunkIdKey, int compressionLevel, int initialCapacity) {
		this(dataKey, chunkIdKey, compressionLevel, initialCapacity, false);
	}

	/**
	 * @param perChunkKeys encrypt each chunk under a key of its own derived from
	 * {@code dataKey} and its id, so that equal content gives equal bytes (chunks shared
	 * by backups); the compressed chunk is then held in memory once more until sealed
	 */
	public ChunkEncoder(byte[] dataKey, byte[] chunkIdKey, int compressionLevel, int initialCapacity,
			boolean perChunkKeys) {
		this.dataKey = dataKey;
		this.idMac = Digests.chunkIdMac(chunkIdKey);
		this.compressionLevel = compressionLevel;
		this.sink = new ByteSink(initialCapacity);
		this.compressed = perChunkKeys ? new ByteSink(initialCapacity) : null;
	}

	/** Starts a new chunk, discarding the bytes of the previous one. */
	public void begin() {
		this.sink.reset();
		this.idMac.reset();
		this.gathered = 0;
		this.plainBytes = 0;
		try {
			// hashing the compressed bytes costs a third of hashing the plaintext and
			// names
			// equal content equally all the same (zstd is deterministic for a level)
			OutputStream next;
			if (this.compressed != null) {
				this.compressed.reset();
				next = this.compressed;
			}
			else {
				next = SegmentedGcm.encrypt(this.dataKey, this.sink);
			}
			ZstdOutputStreamNoFinalizer zstd = new ZstdOutputStreamNoFinalizer(new MacOutputStream(this.idMac, next),
					RecyclingBufferPool.INSTANCE);
			zstd.setLevel(this.compressionLevel);
			this.compressor = zstd;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public void write(byte[] bytes, int offset, int length) {
		if (length >= GATHER_BYTES) {
			flushGathered();
			consume(bytes, offset, length);
			return;
		}
		if (this.gathered + length > GATHER_BYTES) {
			flushGathered();
		}
		System.arraycopy(bytes, offset, this.gather, this.gathered, length);
		this.gathered += length;
	}

	/** Plaintext bytes written to the current chunk so far. */
	public long plainBytes() {
		return this.plainBytes + this.gathered;
	}

	/**
	 * Where a chunk under its own key is stored already, in every region: its stored size
	 * and SHA-256, so that it is neither encrypted nor uploaded again.
	 */
	@FunctionalInterface
	public interface StoredChunks {

		java.util.Optional<EncodedChunk> lookup(String chunkId);

	}

	/** Seals the current chunk. */
	public EncodedChunk finish() {
		return finish((id) -> java.util.Optional.empty());
	}

	/**
	 * Seals the current chunk; one under its own key that {@code stored} knows is not
	 * encrypted: the result then has no bytes ({@code stored()} is {@code null}), only
	 * the stored size and SHA-256 {@code stored} gave.
	 */
	public EncodedChunk finish(StoredChunks stored) {
		flushGathered();
		try {
			this.compressor.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		String id = Hex.of(this.idMac.doFinal());
		if (this.compressed != null) {
			java.util.Optional<EncodedChunk> known = stored.lookup(id);
			if (known.isPresent()) {
				return new EncodedChunk(id, this.plainBytes, null, known.get().storedLength(),
						known.get().storedSha256());
			}
			try (OutputStream encrypt = SegmentedGcm.encryptChunk(this.dataKey, id, this.sink)) {
				encrypt.write(this.compressed.array(), 0, this.compressed.size());
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		String sha = Digests.sha256(this.sink.array(), 0, this.sink.size());
		return new EncodedChunk(id, this.plainBytes, this.sink.array(), this.sink.size(), sha);
	}

	/** Feeds what passes through to the keyed hash. */
	private static final class MacOutputStream extends java.io.FilterOutputStream {

		private final Mac mac;

		MacOutputStream(Mac mac, OutputStream out) {
			super(out);
			this.mac = mac;
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			this.mac.update(bytes, offset, length);
			this.out.write(bytes, offset, length);
		}

		@Override
		public void write(int b) throws IOException {
			this.mac.update((byte) b);
			this.out.write(b);
		}

	}

	private void flushGathered() {
		if (this.gathered > 0) {
			consume(this.gather, 0, this.gathered);
			this.gathered = 0;
		}
	}

	private void consume(byte[] bytes, int offset, int length) {
		try {
			this.compressor.write(bytes, offset, length);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.plainBytes += length;
	}

}
