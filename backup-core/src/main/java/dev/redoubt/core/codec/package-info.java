/**
 * Stream stages of a chunk: keyed hash, zstd compression and segmented AES-256-GCM, and
 * the order-independent content hash of table rows.
 */
package dev.redoubt.core.codec;
