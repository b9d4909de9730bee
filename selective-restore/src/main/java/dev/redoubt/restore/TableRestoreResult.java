package dev.redoubt.restore;

import java.time.Duration;
import java.util.List;

/**
 * What a table restore did (or, with {@code --dry-run}, would do).
 *
 * @param backupId the backup the rows came from
 * @param destination where they went: {@code schema} in the target, a file, or
 * {@code nothing written (dry run)}
 * @param tables one entry per table
 * @param duration wall time
 * @param recovery for tables as of a point in time, the recovery they were read from;
 * else {@code null}
 */
public record TableRestoreResult(String backupId, String destination, List<Table> tables, Duration duration,
		AsOfRecovery recovery) {

	/** The same result, read from {@code recovery}. */
	TableRestoreResult readFrom(AsOfRecovery recovery) {
		return new TableRestoreResult(this.backupId, this.destination, this.tables, this.duration, recovery);
	}

	/**
	 * One restored table.
	 *
	 * @param source the table as the backup holds it
	 * @param restoredAs the table created, or {@code null} when nothing was written
	 * @param chunksFetched chunks fetched after pruning by key range
	 * @param chunksTotal the table's chunks
	 * @param bytesFetched stored bytes fetched
	 * @param bytesTotal stored bytes of all its chunks
	 * @param rowsSelected rows that match the predicate
	 * @param rowsInBackup rows the backup holds
	 * @param foreignKeysNotCreated foreign keys to tables that were not restored,
	 * reported and not created (unless asked for)
	 * @param triggersNotCreated the table's triggers, reported and not created on the
	 * copy
	 * @param maskedColumns the columns whose values were masked ({@code --mask}), none
	 * without a policy
	 * @param merge with {@code --into-existing}: rows inserted, updated, unchanged and
	 * deleted in the live table (what would be, with {@code --dry-run}); else
	 * {@code null}
	 */
	public record Table(String source, String restoredAs, int chunksFetched, int chunksTotal, long bytesFetched,
			long bytesTotal, long rowsSelected, long rowsInBackup, List<String> foreignKeysNotCreated,
			List<String> triggersNotCreated, List<String> maskedColumns, Merge merge) {

		Table with(String restoredAs, List<String> foreignKeys, Merge merge) {
			return new Table(this.source, restoredAs, this.chunksFetched, this.chunksTotal, this.bytesFetched,
					this.bytesTotal, this.rowsSelected, this.rowsInBackup, foreignKeys, this.triggersNotCreated,
					this.maskedColumns, merge);
		}

	}

	/**
	 * A merge into the live table.
	 *
	 * @param conflict the conflict mode
	 * @param inserted rows inserted
	 * @param updated rows updated to their restored values
	 * @param unchanged restored rows already present as they were
	 * @param deleted live rows deleted first ({@code replace})
	 * @param droppedColumns backup columns the live table no longer has, left out
	 */
	public record Merge(String conflict, long inserted, long updated, long unchanged, long deleted,
			List<String> droppedColumns) {
	}

}
