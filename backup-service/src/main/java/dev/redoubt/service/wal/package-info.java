/**
 * Continuous WAL archiving: the long-lived archiver behind the thin {@code wal-push}
 * client.
 */
package dev.redoubt.service.wal;
