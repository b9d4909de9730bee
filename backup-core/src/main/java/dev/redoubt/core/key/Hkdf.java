package dev.redoubt.core.key;

import java.nio.charset.StandardCharsets;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/** HKDF-SHA256 (RFC 5869): one secret, several independent keys by purpose. */
final class Hkdf {

	private Hkdf() {
	}

	static byte[] derive(byte[] secret, String purpose, int length) {
		HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA256Digest());
		generator.init(new HKDFParameters(secret, "redoubt".getBytes(StandardCharsets.US_ASCII),
				purpose.getBytes(StandardCharsets.US_ASCII)));
		byte[] out = new byte[length];
		generator.generateBytes(out, 0, length);
		return out;
	}

}
