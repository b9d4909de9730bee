package dev.redoubt.core.store;

/**
 * What a store knows about one object without reading it.
 *
 * @param key the object's key, relative to the store's prefix
 * @param size its size in bytes
 */
public record ObjectInfo(String key, long size) {
}
