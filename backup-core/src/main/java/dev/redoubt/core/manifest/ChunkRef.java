package dev.redoubt.core.manifest;

import java.util.List;

/**
 * One stored chunk: a slice of a table's rows (or the schema archive) after the codec
 * chain.
 *
 * @param key the object key, relative to the repository prefix
 * @param id keyed hash (HMAC-SHA256) of the plaintext, hex; also the last part of the key
 * @param rows rows in the chunk (0 for the schema)
 * @param plainBytes plaintext size
 * @param storedBytes stored object size
 * @param storedSha256 SHA-256 of the stored object, hex
 * @param codecs stages applied to the plaintext, in order
 * @param keyMin smallest key value in the chunk, or {@code null} without a usable key
 * @param keyMax largest key value in the chunk, or {@code null}
 * @param contentHash order-independent hash of the chunk's rows
 */
public record ChunkRef(String key, String id, long rows, long plainBytes, long storedBytes, String storedSha256,
		List<String> codecs, String keyMin, String keyMax, String contentHash) {
}
