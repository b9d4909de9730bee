package dev.redoubt.verify.check;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Check 7: every index is valid, and every B-tree index passes {@code amcheck}'s
 * {@code bt_index_check}: its pages are ordered as its operator class orders them now (a
 * comparison that changed since the index was built, as with a collation change, breaks
 * this) and structurally sound.
 */
public final class IndexCheck implements VerificationCheck {

	private static final String INDEXES = "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
			+ " am.amname, x.indisvalid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid"
			+ " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam"
			+ " WHERE c.relkind = 'i' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
			+ " AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 2";

	@Override
	public String id() {
		return "indexes";
	}

	@Override
	public String title() {
		return "Indexes valid (amcheck bt_index_check on every B-tree)";
	}

	@Override
	public Outcome run(VerificationContext context) throws Exception {
		List<String> problems = new ArrayList<>();
		int checked = 0;
		int others = 0;
		try (Connection connection = context.open(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE EXTENSION IF NOT EXISTS amcheck");
			List<Object[]> indexes = new ArrayList<>();
			try (ResultSet rows = statement.executeQuery(INDEXES)) {
				while (rows.next()) {
					indexes.add(
							new Object[] { rows.getLong(1), rows.getString(2), rows.getString(3), rows.getBoolean(4) });
				}
			}
			try (PreparedStatement check = connection.prepareStatement("SELECT bt_index_check(?::oid)")) {
				for (Object[] index : indexes) {
					String name = (String) index[1];
					if (!(Boolean) index[3]) {
						problems.add(name + " is not valid");
						continue;
					}
					if (!"btree".equals(index[2])) {
						others++;
						continue;
					}
					check.setLong(1, (Long) index[0]);
					try {
						check.execute();
						checked++;
					}
					catch (SQLException ex) {
						problems.add(name + ": " + ex.getMessage());
					}
				}
			}
		}
		return Outcome.of(problems,
				checked + " B-tree indexes pass bt_index_check; " + others + " other indexes (GIN, BRIN, ...) valid");
	}

}
