package dev.redoubt.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM over a stream cut into segments of 16 KiB, each sealed on its own (the
 * STREAM construction): memory stays bounded, no plaintext is released before its
 * segment's tag verifies, and the JDK's fast GCM path is used (it slows down ~40x when
 * one {@code doFinal} covers many megabytes).
 *
 * <pre>
 * object    = header || seg_0 || ... || seg_(n-1)
 * header    = "RDB1" || prefix            prefix: 8 random bytes, 12 bytes in all
 * seg_i     = GCM(key, nonce_i, aad_i, p_i)   |p_i| = 16 KiB for i &lt; n-1, 0..16 KiB for the last
 * nonce_i   = prefix || be32(i)
 * aad_i     = header || (i == n-1 ? 0x01 : 0x00)
 * </pre>
 *
 * The last-segment flag in the associated data makes truncation at a segment boundary
 * fail authentication.
 *
 * <p>
 * A chunk shared by several backups ({@link #encryptChunk}) must come out the same bytes
 * each time it is stored, so that it is stored once: its header is {@code "RDB2"} and 8
 * zero bytes, and its key is its own, derived from the given key and the chunk's id (the
 * keyed hash of its compressed bytes):
 *
 * <pre>
 * key_c = HMAC-SHA256(key, "redoubt chunk key v2|" || chunk id)
 * </pre>
 *
 * Each key_c encrypts one content only, so the fixed nonces never repeat under one key.
 * Equal content gives equal objects: whoever can list the bucket learns which chunks two
 * backups share, and nothing else (docs/security.md).
 */
public final class SegmentedGcm {

	/**
	 * Plaintext bytes per segment. Small enough that the JDK's GHASH intrinsic is reached
	 * after a few hundred calls instead of crawling through megabytes in the interpreter.
	 */
	public static final int SEGMENT_SIZE = 16 * 1024;

	static final int TAG_BYTES = 16;

	static final byte[] MAGIC = { 'R', 'D', 'B', '1' };

	static final byte[] MAGIC_PER_CHUNK = { 'R', 'D', 'B', '2' };

	static final int HEADER_BYTES = 12;

	private static final SecureRandom RANDOM = new SecureRandom();

	private SegmentedGcm() {
	}

	/**
	 * An output stream that encrypts into {@code sink}; {@code close()} seals the last
	 * segment.
	 */
	public static OutputStream encrypt(byte[] key, ByteSink sink) {
		byte[] header = new byte[HEADER_BYTES];
		System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
		byte[] prefix = new byte[8];
		RANDOM.nextBytes(prefix);
		System.arraycopy(prefix, 0, header, 4, 8);
		sink.write(header, 0, header.length);
		return new Encryptor(key, header, sink);
	}

	/**
	 * An output stream that encrypts chunk {@code chunkId} into {@code sink} under its
	 * own key derived from {@code key}, deterministically (an {@code RDB2} object).
	 */
	public static OutputStream encryptChunk(byte[] key, String chunkId, ByteSink sink) {
		byte[] header = new byte[HEADER_BYTES];
		System.arraycopy(MAGIC_PER_CHUNK, 0, header, 0, MAGIC_PER_CHUNK.length);
		sink.write(header, 0, header.length);
		return new Encryptor(chunkKey(key, chunkId), header, sink);
	}

	/** {@code key_c} of chunk {@code chunkId}. */
	static byte[] chunkKey(byte[] key, String chunkId) {
		try {
			javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			return mac.doFinal(("redoubt chunk key v2|" + chunkId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("this JVM has no HmacSHA256", ex);
		}
	}

	/**
	 * A stream of the plaintext of {@code object[offset, offset+length)}, an {@code RDB1}
	 * object.
	 * @throws CorruptDataException from reads if the header is wrong or a segment fails
	 * to authenticate
	 */
	public static InputStream decrypt(byte[] key, byte[] object, int offset, int length) {
		return new Decryptor(key, object, offset, length, null);
	}

	/**
	 * As {@link #decrypt(byte[], byte[], int, int)}, for a chunk: an {@code RDB1} object
	 * under {@code key}, or an {@code RDB2} one under the key of chunk {@code chunkId}.
	 */
	public static InputStream decryptChunk(byte[] key, String chunkId, byte[] object, int offset, int length) {
		return new Decryptor(key, object, offset, length, chunkId);
	}

	/**
	 * One cipher per stream, re-initialised with each segment's nonce: looking a cipher
	 * up per segment costs more than sealing 16 KiB, and the key schedule is kept while
	 * the key stays the same.
	 */
	private static final class SegmentCipher {

		private final Cipher cipher;

		private final SecretKeySpec key;

		private final byte[] header;

		private final byte[] nonce = new byte[12];

		private final int mode;

		SegmentCipher(int mode, byte[] key, byte[] header) {
			this.mode = mode;
			this.key = new SecretKeySpec(key, "AES");
			this.header = header;
			System.arraycopy(header, 4, this.nonce, 0, 8);
			try {
				this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("this JVM has no AES/GCM/NoPadding cipher", ex);
			}
		}

		/**
		 * The cipher ready for segment {@code segment}, its associated data already fed.
		 */
		Cipher forSegment(long segment, boolean last) throws GeneralSecurityException {
			ByteBuffer.wrap(this.nonce, 8, 4).putInt((int) segment);
			this.cipher.init(this.mode, this.key, new GCMParameterSpec(TAG_BYTES * 8, this.nonce));
			this.cipher.updateAAD(this.header);
			this.cipher.updateAAD(last ? LAST : NOT_LAST);
			return this.cipher;
		}

	}

	private static final byte[] LAST = { 1 };

	private static final byte[] NOT_LAST = { 0 };

	private static final class Encryptor extends OutputStream {

		private final SegmentCipher cipher;

		private final ByteSink sink;

		private final byte[] pending = new byte[SEGMENT_SIZE];

		private int pendingSize;

		private long segment;

		private boolean closed;

		Encryptor(byte[] key, byte[] header, ByteSink sink) {
			this.cipher = new SegmentCipher(Cipher.ENCRYPT_MODE, key, header);
			this.sink = sink;
		}

		@Override
		public void write(int b) throws IOException {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			while (length > 0) {
				if (this.pendingSize == SEGMENT_SIZE) {
					// more bytes follow, so the full segment is not the last one
					seal(false);
				}
				int n = Math.min(length, SEGMENT_SIZE - this.pendingSize);
				System.arraycopy(bytes, offset, this.pending, this.pendingSize, n);
				this.pendingSize += n;
				offset += n;
				length -= n;
			}
		}

		private void seal(boolean last) throws IOException {
			try {
				Cipher cipher = this.cipher.forSegment(this.segment++, last);
				int at = this.sink.reserve(this.pendingSize + TAG_BYTES);
				cipher.doFinal(this.pending, 0, this.pendingSize, this.sink.array(), at);
				this.pendingSize = 0;
			}
			catch (GeneralSecurityException ex) {
				throw new IOException("cannot encrypt segment " + (this.segment - 1), ex);
			}
		}

		@Override
		public void close() throws IOException {
			if (!this.closed) {
				this.closed = true;
				seal(true);
			}
		}

	}

	private static final class Decryptor extends BlockInputStream {

		private final byte[] key;

		private final byte[] object;

		private final int end;

		private final byte[] header = new byte[HEADER_BYTES];

		private SegmentCipher cipher;

		private int position;

		private long segment;

		private boolean sawLast;

		private byte[] plain = new byte[0];

		private int plainPosition;

		private int plainSize;

		Decryptor(byte[] key, byte[] object, int offset, int length, String chunkId) {
			this.object = object;
			this.end = offset + length;
			if (length < HEADER_BYTES + TAG_BYTES) {
				throw new CorruptDataException("encrypted object is truncated: " + length + " bytes");
			}
			System.arraycopy(object, offset, this.header, 0, HEADER_BYTES);
			if (startsWith(this.header, MAGIC)) {
				this.key = key;
			}
			else if (chunkId != null && startsWith(this.header, MAGIC_PER_CHUNK)) {
				this.key = chunkKey(key, chunkId);
			}
			else {
				throw new CorruptDataException("encrypted object does not start with the RDB1"
						+ ((chunkId != null) ? " or RDB2" : "") + " header");
			}
			this.position = offset + HEADER_BYTES;
		}

		private static boolean startsWith(byte[] header, byte[] magic) {
			for (int i = 0; i < magic.length; i++) {
				if (header[i] != magic[i]) {
					return false;
				}
			}
			return true;
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			while (this.plainPosition == this.plainSize) {
				if (this.sawLast) {
					return -1;
				}
				openNextSegment();
			}
			int n = Math.min(length, this.plainSize - this.plainPosition);
			System.arraycopy(this.plain, this.plainPosition, bytes, offset, n);
			this.plainPosition += n;
			return n;
		}

		private void openNextSegment() {
			int remaining = this.end - this.position;
			int sealed = Math.min(remaining, SEGMENT_SIZE + TAG_BYTES);
			if (sealed < TAG_BYTES) {
				throw new CorruptDataException("encrypted object is truncated at segment " + this.segment);
			}
			boolean last = sealed == remaining;
			try {
				if (this.cipher == null) {
					this.cipher = new SegmentCipher(Cipher.DECRYPT_MODE, this.key, this.header);
				}
				Cipher cipher = this.cipher.forSegment(this.segment, last);
				if (this.plain.length < sealed) {
					this.plain = new byte[Math.max(sealed, 64 * 1024)];
				}
				this.plainSize = cipher.doFinal(this.object, this.position, sealed, this.plain, 0);
				this.plainPosition = 0;
			}
			catch (AEADBadTagException ex) {
				throw new CorruptDataException("segment " + this.segment + " fails authentication (tag mismatch)");
			}
			catch (GeneralSecurityException ex) {
				throw new CorruptDataException("cannot decrypt segment " + this.segment + ": " + ex);
			}
			this.position += sealed;
			this.segment++;
			this.sawLast = last;
		}

	}

}
