package dev.redoubt.core.codec;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The hash functions of the format, from the JDK. */
public final class Digests {

	private Digests() {
	}

	public static String sha256(byte[] bytes, int offset, int length) {
		MessageDigest digest = sha256();
		digest.update(bytes, offset, length);
		return Hex.of(digest.digest());
	}

	static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("the JDK lacks SHA-256", ex);
		}
	}

	/**
	 * HMAC-SHA256 keyed with {@code key}: names chunks without revealing their content.
	 */
	static Mac chunkIdMac(byte[] key) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			return mac;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("the JDK lacks HmacSHA256", ex);
		}
	}

}
