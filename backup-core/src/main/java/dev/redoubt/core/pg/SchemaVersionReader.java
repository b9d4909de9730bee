package dev.redoubt.core.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import dev.redoubt.core.manifest.Manifest.SchemaVersion;
import dev.redoubt.core.manifest.TableEntry;

/**
 * Reads the application schema's version from its migrations table: a configured one
 * first, then Flyway's {@code flyway_schema_history}, Liquibase's
 * {@code databasechangelog} and Rails' {@code schema_migrations}, in any schema. Recorded
 * in the manifest at backup time and read again from the restored copy, so a report can
 * say which schema version a backup holds.
 */
public final class SchemaVersionReader {

	/**
	 * A migrations table and the query giving its newest version ({@code %s} is the
	 * quoted table).
	 */
	private record Kind(String tool, String table, String query) {
	}

	private static final List<Kind> KNOWN = List.of(new Kind("flyway", "flyway_schema_history",
			"SELECT version FROM %s WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1"),
			new Kind("liquibase", "databasechangelog", "SELECT id FROM %s ORDER BY orderexecuted DESC LIMIT 1"),
			new Kind("rails", "schema_migrations", "SELECT max(version) FROM %s"));

	private SchemaVersionReader() {
	}

	/**
	 * The schema version, or {@code null} when no migrations table exists.
	 * @param configuredTable {@code schema.table} from configuration, or {@code null}
	 * @param configuredColumn its version column, or {@code null} for {@code version}
	 */
	public static SchemaVersion read(Connection connection, String configuredTable, String configuredColumn)
			throws SQLException {
		if (configuredTable != null) {
			String[] parts = configuredTable.split("\\.", 2);
			String schema = (parts.length == 2) ? parts[0] : "public";
			String name = (parts.length == 2) ? parts[1] : parts[0];
			String column = (configuredColumn != null) ? configuredColumn : "version";
			String qualified = TableEntry.quote(schema) + "." + TableEntry.quote(name);
			return new SchemaVersion(schema + "." + name, "configured",
					single(connection, "SELECT max(" + TableEntry.quote(column) + ")::text FROM " + qualified));
		}
		for (Kind kind : KNOWN) {
			String schema = schemaHolding(connection, kind.table());
			if (schema != null) {
				String qualified = TableEntry.quote(schema) + "." + TableEntry.quote(kind.table());
				return new SchemaVersion(schema + "." + kind.table(), kind.tool(),
						single(connection, kind.query().formatted(qualified)));
			}
		}
		return null;
	}

	private static String schemaHolding(Connection connection, String table) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT n.nspname FROM pg_class c"
				+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ? AND c.relkind IN ('r', 'p')"
				+ " AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY n.nspname <> 'public', 1 LIMIT 1")) {
			statement.setString(1, table);
			try (ResultSet rows = statement.executeQuery()) {
				return rows.next() ? rows.getString(1) : null;
			}
		}
	}

	private static String single(Connection connection, String sql) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(sql);
				ResultSet rows = statement.executeQuery()) {
			return rows.next() ? rows.getString(1) : null;
		}
	}

}
