/**
 * The repository: where each object of a backup lives, the order in which a backup is
 * written, and the catalogue of complete and incomplete backups read back from the
 * regions.
 */
package dev.redoubt.core.repository;
