package dev.redoubt.core.manifest;

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

	private static final JsonMapper JSON = JsonMapper.builder()
		.enable(SerializationFeature.INDENT_OUTPUT)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.changeDefaultPropertyInclusion((inclusion) -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
		.build();

	private ManifestCodec() {
	}

	public static byte[] encode(Manifest manifest, ManifestSigningKey key) {
		return SignedJson.sign(JSON.writeValueAsBytes(manifest), key);
	}

	/**
	 * Decodes and verifies a manifest. The format version is checked before anything
	 * else, so a manifest of a newer format is reported as such, not as a bad signature.
	 * @param where names the object and region in error messages
	 * @throws RedoubtException {@code UNSUPPORTED_FORMAT_VERSION}, {@code WRONG_KEY}
	 * (signed by another key), {@code SIGNATURE_INVALID} or {@code CORRUPT_OBJECT}
	 */
	public static Manifest decode(byte[] bytes, ManifestSigningKey key, String where) {
		return decode(bytes, key, where, Manifest.class);
	}

	/** Encodes and signs any manifest record (a base backup's). */
	public static byte[] encodeRecord(Object manifest, ManifestSigningKey key) {
		return SignedJson.sign(JSON.writeValueAsBytes(manifest), key);
	}

	/**
	 * Decodes and verifies a manifest of the given record type, checking the format
	 * version first.
	 */
	public static <T> T decode(byte[] bytes, ManifestSigningKey key, String where, Class<T> type) {
		SignedJson.Parts parts = SignedJson.split(bytes);
		JsonNode tree;
		try {
			tree = JSON.readTree(parts.json());
		}
		catch (JacksonException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					where + " is not a readable manifest: " + ex.getOriginalMessage(), ex);
		}
		int version = tree.path("formatVersion").asInt(-1);
		if (version < Manifest.FORMAT_VERSION || version > Manifest.NEWEST_FORMAT_VERSION) {
			throw new RedoubtException(ErrorCode.UNSUPPORTED_FORMAT_VERSION,
					where + " has format version " + version + "; this build of redoubt reads versions "
							+ Manifest.FORMAT_VERSION + " to " + Manifest.NEWEST_FORMAT_VERSION,
					"use a redoubt release that supports format version " + version, null);
		}
		SignedJson.verify(parts, key, where);
		try {
			return JSON.treeToValue(tree, type);
		}
		catch (JacksonException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					where + " has malformed fields: " + ex.getOriginalMessage(), ex);
		}
	}

	/** Manifest and other repository records share one JSON configuration. */
	public static JsonMapper json() {
		return JSON;
	}

}
