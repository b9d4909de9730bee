package dev.redoubt.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

import javax.crypto.Mac;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;

/**
 * Reverses {@link ChunkEncoder}: decrypts, decompresses and re-computes the keyed hash of
 * the plaintext as it is read. The stream throws {@link CorruptDataException} at the end
 * if the hash does not equal the chunk's name, so a consumer that loads the rows inside a
 * transaction can roll it back.
 */
public final class ChunkDecoder {

	private ChunkDecoder() {
	}

	public static InputStream open(byte[] stored, byte[] dataKey, byte[] chunkIdKey, String expectedId) {
		try {
			Verifying compressed = new Verifying(
					SegmentedGcm.decryptChunk(dataKey, expectedId, stored, 0, stored.length),
					Digests.chunkIdMac(chunkIdKey), expectedId);
			return new Decompressing(new ZstdInputStreamNoFinalizer(compressed, RecyclingBufferPool.INSTANCE),
					compressed);
		}
		catch (IOException ex) {
			throw new CorruptDataException("cannot start decompression: " + ex.getMessage());
		}
	}

	/** Reads a whole chunk into memory; for small objects such as the schema. */
	public static byte[] readAll(byte[] stored, byte[] dataKey, byte[] chunkIdKey, String expectedId) {
		try (InputStream in = open(stored, dataKey, chunkIdKey, expectedId)) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new CorruptDataException("cannot decode: " + ex.getMessage());
		}
	}

	/**
	 * Decompresses, and at the end makes sure the compressed stream was read (and
	 * verified) to its end.
	 */
	private static final class Decompressing extends BlockInputStream {

		private final InputStream in;

		private final Verifying compressed;

		Decompressing(InputStream in, Verifying compressed) {
			this.in = in;
			this.compressed = compressed;
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			int n;
			try {
				n = this.in.read(bytes, offset, length);
			}
			catch (IOException ex) {
				if (ex.getCause() instanceof CorruptDataException corrupt) {
					throw corrupt;
				}
				throw new CorruptDataException("cannot decompress: " + ex.getMessage());
			}
			if (n == -1) {
				// zstd may stop at the end of its frame before the source reports its end
				this.compressed.drain();
			}
			return n;
		}

		@Override
		public void close() throws IOException {
			this.in.close();
		}

	}

	private static final class Verifying extends BlockInputStream {

		private final InputStream in;

		private final Mac mac;

		private final String expectedId;

		private boolean verified;

		Verifying(InputStream in, Mac mac, String expectedId) {
			this.in = in;
			this.mac = mac;
			this.expectedId = expectedId;
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			int n = this.in.read(bytes, offset, length);
			if (n > 0) {
				this.mac.update(bytes, offset, n);
			}
			else if (n == -1 && !this.verified) {
				String actual = Hex.of(this.mac.doFinal());
				if (!MessageDigest.isEqual(actual.getBytes(), this.expectedId.getBytes())) {
					throw new CorruptDataException(
							"keyed hash mismatch: expected " + this.expectedId + ", actual " + actual);
				}
				this.verified = true;
			}
			return n;
		}

		void drain() throws IOException {
			byte[] rest = new byte[8192];
			while (read(rest, 0, rest.length) != -1) {
				// reading to the end verifies the hash
			}
		}

		@Override
		public void close() throws IOException {
			this.in.close();
		}

	}

}
