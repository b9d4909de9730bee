package dev.redoubt.core.codec;

/**
 * Bytes that fail a codec's own integrity check: a bad header, a GCM tag that does not
 * verify, a truncated stream, a keyed hash that does not match. Callers turn it into a
 * {@code CORRUPT_OBJECT} error naming the object and region.
 */
public class CorruptDataException extends RuntimeException {

	public CorruptDataException(String message) {
		super(message);
	}

}
