/**
 * The WAL archive of a cluster: segment and timeline names, and the archived files in
 * every region, each compressed, encrypted and verified on the way back.
 */
package dev.redoubt.core.wal;
