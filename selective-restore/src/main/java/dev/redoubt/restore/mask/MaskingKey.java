package dev.redoubt.restore.mask;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * The secret that makes masking deterministic: the same input and key give the same
 * output in every table and every refresh (so foreign keys still join), another key other
 * outputs. Read from a file of at least 16 bytes of secret material (for example
 * {@code head -c 32 /dev/urandom | base64 > masking.key}); the key is HMAC-SHA256 of that
 * material under a fixed label, and is never printed.
 */
public final class MaskingKey {

	private static final int MINIMUM_BYTES = 16;

	private final ThreadLocal<Mac> mac;

	private MaskingKey(byte[] key) {
		this.mac = ThreadLocal.withInitial(() -> {
			try {
				Mac instance = Mac.getInstance("HmacSHA256");
				instance.init(new SecretKeySpec(key, "HmacSHA256"));
				return instance;
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("HmacSHA256 is unavailable", ex);
			}
		});
	}

	/** The key from {@code file}'s contents (surrounding whitespace ignored). */
	public static MaskingKey read(Path file) {
		byte[] material;
		try {
			material = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip()
				.getBytes(StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"cannot read the masking key file " + file + ": " + ex.getMessage(), ex);
		}
		if (material.length < MINIMUM_BYTES) {
			throw new RedoubtException(
					ErrorCode.CONFIG_INVALID, "the masking key file " + file + " holds " + material.length
							+ " bytes; at least " + MINIMUM_BYTES + " of secret material are needed",
					"head -c 32 /dev/urandom | base64 > " + file, null);
		}
		return of(material);
	}

	/** The key from secret material given directly (tests, generated keys). */
	public static MaskingKey of(byte[] material) {
		try {
			Mac label = Mac.getInstance("HmacSHA256");
			label.init(new SecretKeySpec("redoubt masking key v1".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
			return new MaskingKey(label.doFinal(material));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is unavailable", ex);
		}
	}

	/** HMAC-SHA256 of {@code purpose}, a separator and {@code value}. */
	byte[] hmac(String purpose, String value) {
		Mac instance = this.mac.get();
		instance.update(purpose.getBytes(StandardCharsets.UTF_8));
		instance.update((byte) 0);
		return instance.doFinal(value.getBytes(StandardCharsets.UTF_8));
	}

	/** A number in [0, 2^63) derived from {@code purpose} and {@code value}. */
	long number(String purpose, String value) {
		byte[] bytes = hmac(purpose, value);
		long n = 0;
		for (int i = 0; i < 8; i++) {
			n = (n << 8) | (bytes[i] & 0xFF);
		}
		return n & Long.MAX_VALUE;
	}

	@Override
	public String toString() {
		return "MaskingKey[hidden]";
	}

}
