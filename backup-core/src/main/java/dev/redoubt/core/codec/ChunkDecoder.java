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
			InputStream plain = new ZstdInputStreamNoFinalizer(SegmentedGcm.decrypt(dataKey, stored, 0, stored.length),
					RecyclingBufferPool.INSTANCE);
			return new Verifying(plain, Digests.chunkIdMac(chunkIdKey), expectedId);
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

	private static final class Verifying extends InputStream {

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
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) == -1) ? -1 : one[0] & 0xff;
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			int n;
			try {
				n = this.in.read(bytes, offset, length);
			}
			catch (IOException ex) {
				throw new CorruptDataException("cannot decompress: " + ex.getMessage());
			}
			if (n > 0) {
				this.mac.update(bytes, offset, n);
			}
			else if (n == -1 && !this.verified) {
				String actual = Hex.of(this.mac.doFinal());
				if (!MessageDigest.isEqual(actual.getBytes(), this.expectedId.getBytes())) {
					throw new CorruptDataException(
							"plaintext hash mismatch: expected " + this.expectedId + ", actual " + actual);
				}
				this.verified = true;
			}
			return n;
		}

		@Override
		public void close() throws IOException {
			this.in.close();
		}

	}

}
