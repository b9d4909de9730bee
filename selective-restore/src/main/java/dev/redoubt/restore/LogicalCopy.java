package dev.redoubt.restore;

import java.util.Set;

import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;

/**
 * Takes tables out of a recovered cluster as a logical backup, so that a table restore as
 * of a point in time runs the ordinary table restore from it. The logical backup lives in
 * {@code backup-service}, which hands it to {@link RestoreEngine#withLogicalCopy}.
 */
@FunctionalInterface
public interface LogicalCopy {

	/**
	 * A logical backup of database {@code from} into {@code into}, with the whole schema
	 * and the rows of the tables whose oids are {@code tables} only.
	 * @return the backup's id in {@code into}
	 */
	BackupId copy(Repository into, String source, ConnectionSpec from, Set<Long> tables);

}
