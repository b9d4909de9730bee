/**
 * Retention: which backups a source keeps (newest N and grandfather-father-son, always
 * the newest verified) and the two-phase expiry that deletes nothing if any read fails.
 */
package dev.redoubt.service.retention;
