package dev.redoubt.core.manifest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.ManifestSigningKey;

/**
 * The signed form every repository record takes (manifests, verification records): the
 * JSON, a newline, and one trailer line
 * {@code redoubt-signature: ed25519 <key id> <base64 signature of the JSON>}.
 */
public final class SignedJson {

	static final String SIGNATURE_PREFIX = "redoubt-signature: ed25519 ";

	private SignedJson() {
	}

	/** The JSON and its trailer line, as read from an object. */
	public record Parts(byte[] json, String trailer) {
	}

	public static byte[] sign(byte[] json, ManifestSigningKey key) {
		String trailer = "\n" + SIGNATURE_PREFIX + key.keyId() + " "
				+ Base64.getEncoder().encodeToString(key.sign(json)) + "\n";
		byte[] tail = trailer.getBytes(StandardCharsets.US_ASCII);
		byte[] out = Arrays.copyOf(json, json.length + tail.length);
		System.arraycopy(tail, 0, out, json.length, tail.length);
		return out;
	}

	public static Parts split(byte[] bytes) {
		int split = lastLineStart(bytes);
		String trailer = new String(bytes, split, bytes.length - split, StandardCharsets.US_ASCII).trim();
		return new Parts(Arrays.copyOf(bytes, Math.max(0, split - 1)), trailer);
	}

	/**
	 * Checks the trailer: signed by {@code key} and matching the JSON.
	 * @param where names the object and region in error messages
	 * @throws RedoubtException {@code WRONG_KEY} (signed by another key) or
	 * {@code SIGNATURE_INVALID}
	 */
	public static void verify(Parts parts, ManifestSigningKey key, String where) {
		String trailer = parts.trailer();
		if (!trailer.startsWith(SIGNATURE_PREFIX)) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID, where + " carries no signature line");
		}
		String[] fields = trailer.substring(SIGNATURE_PREFIX.length()).split(" ");
		if (fields.length != 2) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID, where + " has a malformed signature line");
		}
		if (!fields[0].equals(key.keyId())) {
			throw new RedoubtException(ErrorCode.WRONG_KEY,
					where + " was signed by key id " + fields[0] + ", but the configured key derives key id "
							+ key.keyId(),
					"set redoubt.encryption.key-file to the key file the backup was written with", null);
		}
		byte[] signature;
		try {
			signature = Base64.getDecoder().decode(fields[1]);
		}
		catch (IllegalArgumentException ex) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID, where + " has a malformed signature", ex);
		}
		if (!key.verify(parts.json(), signature)) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID,
					where + " does not match its signature: it was changed after it was written");
		}
	}

	private static int lastLineStart(byte[] bytes) {
		int end = bytes.length;
		while (end > 0 && bytes[end - 1] == '\n') {
			end--;
		}
		for (int i = end - 1; i >= 0; i--) {
			if (bytes[i] == '\n') {
				return i + 1;
			}
		}
		return 0;
	}

}
