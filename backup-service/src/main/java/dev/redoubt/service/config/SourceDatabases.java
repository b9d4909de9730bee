package dev.redoubt.service.config;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;

/**
 * The databases of a source's cluster, for {@code databases: all}.
 */
final class SourceDatabases {

	static final String ALL = "all";

	private SourceDatabases() {
	}

	/** Every database that accepts connections, templates excluded, by name. */
	static List<String> list(ConnectionSpec connection) {
		try (Connection session = connection.open("redoubt-discover");
				Statement statement = session.createStatement();
				ResultSet rows = statement.executeQuery(
						"SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname")) {
			List<String> names = new ArrayList<>();
			while (rows.next()) {
				names.add(rows.getString(1));
			}
			return names;
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot list the databases of " + connection.display() + ": " + ex.getMessage(), ex);
		}
	}

}
