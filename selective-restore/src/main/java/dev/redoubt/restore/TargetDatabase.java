package dev.redoubt.restore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.Manifest.SequenceEntry;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;

/** What the restore asks of the target database apart from loading rows. */
final class TargetDatabase {

	private final ConnectionSpec spec;

	TargetDatabase(ConnectionSpec spec) {
		this.spec = spec;
	}

	int serverMajor() {
		try (Connection connection = this.spec.open("redoubt restore");
				Statement statement = connection.createStatement()) {
			ResultSet rows = statement.executeQuery("SELECT current_setting('server_version_num')::int / 10000");
			rows.next();
			return rows.getInt(1);
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot query target " + this.spec.display() + ": " + ex.getMessage(), ex);
		}
	}

	/** Refuses a target that already holds tables, views or sequences. */
	void requireEmpty() {
		String sql = "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
				+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
				+ " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
				+ " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
				+ " ORDER BY 1 LIMIT 6";
		List<String> found = new ArrayList<>();
		try (Connection connection = this.spec.open("redoubt restore");
				PreparedStatement statement = connection.prepareStatement(sql);
				ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				found.add(rows.getString(1));
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot inspect target " + this.spec.display() + ": " + ex.getMessage(), ex);
		}
		if (!found.isEmpty()) {
			throw new RedoubtException(ErrorCode.TARGET_NOT_EMPTY,
					"target database " + this.spec.database() + " is not empty: it holds "
							+ String.join(", ", found.subList(0, Math.min(5, found.size())))
							+ (found.size() > 5 ? ", ..." : ""),
					"restore into a new database (createdb NAME), or pass --allow-non-empty", null);
		}
	}

	/** Empties tables whose load did not finish, so no partial table looks restored. */
	void truncate(List<TableEntry> tables) {
		if (tables.isEmpty()) {
			return;
		}
		try (Connection connection = this.spec.open("redoubt restore");
				Statement statement = connection.createStatement()) {
			for (TableEntry table : tables) {
				statement.execute("TRUNCATE ONLY " + table.qualifiedName());
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"cannot empty the partly loaded tables of database " + this.spec.database() + ": "
							+ ex.getMessage(),
					ex);
		}
	}

	void setSequences(List<SequenceEntry> sequences) {
		try (Connection connection = this.spec.open("redoubt restore");
				PreparedStatement statement = connection
					.prepareStatement("SELECT pg_catalog.setval(?::regclass, ?, ?)")) {
			for (SequenceEntry sequence : sequences) {
				statement.setString(1, TableEntry.quote(sequence.schema()) + "." + TableEntry.quote(sequence.name()));
				statement.setLong(2, sequence.lastValue());
				statement.setBoolean(3, sequence.isCalled());
				statement.execute();
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "cannot set sequences: " + ex.getMessage(), ex);
		}
	}

	void refresh(List<String> materializedViews) {
		try (Connection connection = this.spec.open("redoubt restore");
				Statement statement = connection.createStatement()) {
			for (String view : materializedViews) {
				statement.execute("REFRESH MATERIALIZED VIEW " + view);
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"cannot refresh materialized views: " + ex.getMessage(), ex);
		}
	}

}
