package dev.redoubt.core.store;

/**
 * What a store knows about one object without reading it.
 *
 * @param key the object's key, relative to the store's prefix
 * @param size its size in bytes
 * @param lastModified when it was written, where the listing tells (else {@code null})
 */
public record ObjectInfo(String key, long size, java.time.Instant lastModified) {

	public ObjectInfo(String key, long size) {
		this(key, size, null);
	}

}
