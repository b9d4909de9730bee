package dev.redoubt.restore;

import java.time.Duration;
import java.util.List;

/**
 * What a restore did and how long each phase took.
 *
 * @param backupId the restored backup
 * @param tables tables loaded
 * @param rows rows loaded
 * @param chunks chunks fetched and loaded
 * @param storedBytes bytes fetched
 * @param preData time to create the schema before data
 * @param data time to load the rows
 * @param postData time to build indexes, constraints and triggers and set sequences
 * @param total wall time
 * @param deferredForeignKeys foreign keys left out when
 * {@link RestoreOptions#deferForeignKeys()} asked so, else empty
 */
public record RestoreResult(String backupId, int tables, long rows, int chunks, long storedBytes, Duration preData,
		Duration data, Duration postData, Duration total, List<ForeignKeyDefinition> deferredForeignKeys) {
}
