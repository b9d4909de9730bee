/**
 * A storage region on a local or mounted filesystem.
 */
package dev.redoubt.core.store.local;
