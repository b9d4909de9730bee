package dev.redoubt.core.store;

import java.util.List;
import java.util.Optional;

/**
 * A flat namespace of immutable objects: one storage region of a repository.
 *
 * <p>
 * Keys are relative, '/'-separated paths; an implementation maps them under its own
 * prefix. Every failure to talk to the store is a
 * {@link dev.redoubt.core.error.RedoubtException} with code {@code REGION_UNREACHABLE} or
 * {@code REGION_ACCESS_DENIED} naming the region; "missing" is never an exception, it is
 * an empty {@link Optional}. Implementations retry transient failures themselves before
 * reporting them.
 */
public interface ObjectStore {

	/** The region's name as configured, used in every message about it. */
	String name();

	/**
	 * Writes an object that must not exist yet. Once this returns the object is durable.
	 * @throws dev.redoubt.core.error.RedoubtException with code {@code OBJECT_EXISTS} if
	 * an object with this key exists; nothing is overwritten
	 */
	void create(String key, byte[] data, int offset, int length);

	default void create(String key, byte[] data) {
		create(key, data, 0, data.length);
	}

	/**
	 * As {@link #create(String, byte[], int, int)}, for bytes whose SHA-256 the caller
	 * computed already (the chunk encoder does): a store that sends a checksum with the
	 * write uses it instead of hashing the bytes again for each region, and the server
	 * refuses the write if the bytes it received do not match it.
	 * @param sha256Hex SHA-256 of {@code data[offset, offset + length)}, lower-case hex,
	 * or {@code null} if not known
	 */
	default void create(String key, byte[] data, int offset, int length, String sha256Hex) {
		create(key, data, offset, length);
	}

	/** The whole object, or empty if there is no object with this key. */
	Optional<byte[]> read(String key);

	/**
	 * Up to {@code length} bytes from {@code offset}, fewer at the end of the object;
	 * empty if there is no object with this key.
	 */
	Optional<byte[]> read(String key, long offset, int length);

	/** Size and key of an object, or empty if there is none. */
	Optional<ObjectInfo> head(String key);

	/** Every object whose key starts with {@code prefix}, in key order. */
	List<ObjectInfo> list(String prefix);

	/**
	 * The names of the "directories" right below {@code prefix} (which ends with '/'):
	 * for keys {@code p/a/x} and {@code p/b/y}, {@code listChildren("p/")} is
	 * {@code [a, b]}. Cheap where {@link #list} is not: it does not enumerate the objects
	 * below them.
	 */
	List<String> listChildren(String prefix);

	/**
	 * Until when the store refuses to delete this object (S3 Object Lock), or empty if it
	 * does not lock objects. Retention never tries to delete an object before then.
	 */
	default Optional<java.time.Instant> lockedUntil(ObjectInfo object) {
		return Optional.empty();
	}

	/**
	 * The store's own current time, on the clock that stamps
	 * {@link ObjectInfo#lastModified}: ages of objects are measured against it, never
	 * against the local clock, which may jump. Precise to the second.
	 */
	default java.time.Instant serverTime() {
		return java.time.Instant.now();
	}

	/** Deletes an object; deleting a missing object is not an error. */
	void delete(String key);

}
