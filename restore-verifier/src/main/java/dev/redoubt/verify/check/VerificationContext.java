package dev.redoubt.verify.check;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.restore.ForeignKeyDefinition;
import dev.redoubt.restore.RestoreResult;

/**
 * What the checks after the restore look at.
 *
 * @param manifest the verified manifest
 * @param restored the restored database in the sandbox
 * @param restore what the restore did, with the foreign keys it left to the constraint
 * check
 * @param settings smoke queries, the migrations table, parallelism
 * @param psql the psql program used to read rows back
 */
public record VerificationContext(Manifest manifest, ConnectionSpec restored, RestoreResult restore,
		VerifySettings settings, Path psql) {

	public Connection open() throws SQLException {
		return this.restored.open("redoubt verify");
	}

	public List<ForeignKeyDefinition> foreignKeys() {
		// a base backup's recovered cluster has every key in place already
		return (this.restore == null) ? List.of() : this.restore.deferredForeignKeys();
	}

}
