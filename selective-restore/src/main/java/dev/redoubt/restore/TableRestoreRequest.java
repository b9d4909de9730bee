package dev.redoubt.restore;

import java.nio.file.Path;
import java.util.List;

import dev.redoubt.core.pg.ConnectionSpec;

/**
 * What a table restore is asked to do.
 *
 * @param tables the tables to bring back
 * @param where a predicate on the table's columns selecting rows, or {@code null} for all
 * @param into {@code schema.table} to create (one table only), or {@code null} for the
 * default {@code redoubt_restore_<backup id>} schema with the tables' own names
 * @param target the database to create the restored tables in, or {@code null} with
 * {@code toFile} or {@code dryRun}
 * @param toFile write the rows to this {@code .csv} or {@code .sql} file instead
 * @param dryRun stage and report, write nothing
 * @param jobs parallel sessions for loading chunks
 * @param conflict with {@code --into-existing}: how restored rows meet live ones; else
 * {@code null}
 * @param allowDroppedColumns merge although the live table lost columns the backup holds
 * @param disableTriggers merge with the live table's triggers off
 * @param schemas schemas whose every table is brought back, besides {@code tables}
 * @param foreignKeys also create foreign keys to tables that are not restored (the live
 * ones); foreign keys between restored tables are always created
 */
public record TableRestoreRequest(List<QualifiedName> tables, String where, QualifiedName into, ConnectionSpec target,
		Path toFile, boolean dryRun, int jobs, ConflictMode conflict, boolean allowDroppedColumns,
		boolean disableTriggers, List<String> schemas, boolean foreignKeys) {

	public TableRestoreRequest(List<QualifiedName> tables, String where, QualifiedName into, ConnectionSpec target,
			Path toFile, boolean dryRun, int jobs, ConflictMode conflict, boolean allowDroppedColumns,
			boolean disableTriggers) {
		this(tables, where, into, target, toFile, dryRun, jobs, conflict, allowDroppedColumns, disableTriggers,
				List.of(), false);
	}

	/** The same request into another target database. */
	public TableRestoreRequest withTarget(ConnectionSpec other) {
		return new TableRestoreRequest(this.tables, this.where, this.into, other, this.toFile, this.dryRun, this.jobs,
				this.conflict, this.allowDroppedColumns, this.disableTriggers, this.schemas, this.foreignKeys);
	}

	/** Beside the live tables. */
	public TableRestoreRequest(List<QualifiedName> tables, String where, QualifiedName into, ConnectionSpec target,
			Path toFile, boolean dryRun, int jobs) {
		this(tables, where, into, target, toFile, dryRun, jobs, null, false, false);
	}

	public boolean intoExisting() {
		return this.conflict != null;
	}

}
