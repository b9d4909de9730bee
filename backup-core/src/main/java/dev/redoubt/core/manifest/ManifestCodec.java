package dev.redoubt.core.manifest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.ManifestSigningKey;

/**
 * Encodes a manifest as indented JSON followed by one signature line, and decodes it
 * back, refusing unknown format versions before anything else and verifying the signature
 * before any field is trusted.
 *
 * <pre>
 * manifest object = json || "\n" || "redoubt-signature: ed25519 " || keyId || " " || base64(sig) || "\n"
 * sig             = Ed25519(signingKey, json)
 * </pre>
 */
public final class ManifestCodec {

	static final String SIGNATURE_PREFIX = "redoubt-signature: ed25519 ";

	private static final JsonMapper JSON = JsonMapper.builder()
		.enable(SerializationFeature.INDENT_OUTPUT)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.changeDefaultPropertyInclusion((inclusion) -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
		.build();

	private ManifestCodec() {
	}

	public static byte[] encode(Manifest manifest, ManifestSigningKey key) {
		byte[] json = JSON.writeValueAsBytes(manifest);
		String trailer = "\n" + SIGNATURE_PREFIX + key.keyId() + " "
				+ Base64.getEncoder().encodeToString(key.sign(json)) + "\n";
		byte[] tail = trailer.getBytes(StandardCharsets.US_ASCII);
		byte[] out = Arrays.copyOf(json, json.length + tail.length);
		System.arraycopy(tail, 0, out, json.length, tail.length);
		return out;
	}

	/**
	 * Decodes and verifies a manifest.
	 * @param where names the object and region in error messages
	 * @throws RedoubtException {@code UNSUPPORTED_FORMAT_VERSION}, {@code WRONG_KEY}
	 * (signed by another key), {@code SIGNATURE_INVALID} or {@code CORRUPT_OBJECT}
	 */
	public static Manifest decode(byte[] bytes, ManifestSigningKey key, String where) {
		int split = lastLineStart(bytes);
		String trailer = new String(bytes, split, bytes.length - split, StandardCharsets.US_ASCII).trim();
		byte[] json = Arrays.copyOf(bytes, Math.max(0, split - 1));
		JsonNode tree;
		try {
			tree = JSON.readTree(json);
		}
		catch (JacksonException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					where + " is not a readable manifest: " + ex.getOriginalMessage(), ex);
		}
		int version = tree.path("formatVersion").asInt(-1);
		if (version != Manifest.FORMAT_VERSION) {
			throw new RedoubtException(ErrorCode.UNSUPPORTED_FORMAT_VERSION,
					where + " has format version " + version + "; this build of redoubt reads version "
							+ Manifest.FORMAT_VERSION,
					"use a redoubt release that supports format version " + version, null);
		}
		if (!trailer.startsWith(SIGNATURE_PREFIX)) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID, where + " carries no signature line");
		}
		String[] parts = trailer.substring(SIGNATURE_PREFIX.length()).split(" ");
		if (parts.length != 2) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID, where + " has a malformed signature line");
		}
		if (!parts[0].equals(key.keyId())) {
			throw new RedoubtException(ErrorCode.WRONG_KEY,
					where + " was signed by key id " + parts[0] + ", but the configured key derives key id "
							+ key.keyId(),
					"set redoubt.encryption.key-file to the key file the backup was written with", null);
		}
		byte[] signature;
		try {
			signature = Base64.getDecoder().decode(parts[1]);
		}
		catch (IllegalArgumentException ex) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID, where + " has a malformed signature", ex);
		}
		if (!key.verify(json, signature)) {
			throw new RedoubtException(ErrorCode.SIGNATURE_INVALID,
					where + " does not match its signature: it was changed after it was written");
		}
		try {
			return JSON.treeToValue(tree, Manifest.class);
		}
		catch (JacksonException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					where + " has malformed fields: " + ex.getOriginalMessage(), ex);
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

	/** Manifest and other repository records share one JSON configuration. */
	public static JsonMapper json() {
		return JSON;
	}

}
