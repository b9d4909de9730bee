package dev.redoubt.verify.check;

import java.sql.Connection;
import java.util.Objects;

import dev.redoubt.core.manifest.Manifest.SchemaVersion;
import dev.redoubt.core.pg.SchemaVersionReader;

/**
 * Check 10: the restored copy reports the schema version its migrations table recorded at
 * backup time (Flyway, Liquibase, Rails or a configured table), and the report says which
 * version the backup holds.
 */
public final class SchemaVersionCheck implements VerificationCheck {

	@Override
	public String id() {
		return "schema-version";
	}

	@Override
	public String title() {
		return "Schema version (migrations table) as recorded";
	}

	@Override
	public Outcome run(VerificationContext context) throws Exception {
		SchemaVersion recorded = context.manifest().schemaVersion();
		SchemaVersion restored;
		try (Connection connection = context.open()) {
			restored = SchemaVersionReader.read(connection, (recorded != null && "configured".equals(recorded.tool()))
					? recorded.table() : context.settings().migrationsTable(), context.settings().migrationsColumn());
		}
		if (recorded == null && restored == null) {
			return Outcome.pass("no migrations table (Flyway, Liquibase, Rails or configured) in this database");
		}
		if (recorded == null) {
			return Outcome.fail("the restored copy has " + restored.tool() + " table " + restored.table()
					+ " at version " + restored.version() + ", the manifest records none");
		}
		if (restored == null) {
			return Outcome.fail("the manifest records " + recorded.tool() + " version " + recorded.version() + " in "
					+ recorded.table() + ", the restored copy has no such table");
		}
		if (!Objects.equals(recorded.version(), restored.version())) {
			return Outcome.fail(recorded.table() + " is at version " + restored.version() + ", the manifest records "
					+ recorded.version());
		}
		return Outcome.pass(recorded.tool() + " schema version " + recorded.version() + " (" + recorded.table() + ")");
	}

}
