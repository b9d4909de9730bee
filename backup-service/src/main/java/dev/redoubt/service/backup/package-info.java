/**
 * The logical backup: one exported snapshot, the schema from pg_dump, table data streamed
 * in parallel chunks to every region, the manifest last.
 */
package dev.redoubt.service.backup;
