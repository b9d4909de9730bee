package dev.redoubt.core.codec;

/**
 * One chunk after the stream stages, ready to upload.
 *
 * @param id the keyed hash of the plaintext, hex: the chunk's name
 * @param plainBytes plaintext size
 * @param stored the stored object's bytes (only the first {@code storedLength} are valid;
 * owned by the encoder and valid until it starts the next chunk)
 * @param storedLength stored size
 * @param storedSha256 SHA-256 of the stored bytes, hex
 */
public record EncodedChunk(String id, long plainBytes, byte[] stored, int storedLength, String storedSha256) {
}
