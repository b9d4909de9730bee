/**
 * Point-in-time recovery: a base backup restored into a data directory, WAL fetched ahead
 * from the archive, PostgreSQL replaying to the target.
 */
package dev.redoubt.restore.physical;
