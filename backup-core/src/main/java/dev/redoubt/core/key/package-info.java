/**
 * Keys of a repository: per-backup data keys, the key-encryption key that wraps them, the
 * manifest signing key and the chunk naming key, all derived from what the operator
 * configures.
 */
package dev.redoubt.core.key;
