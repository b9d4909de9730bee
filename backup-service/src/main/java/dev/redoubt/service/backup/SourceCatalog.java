package dev.redoubt.service.backup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.redoubt.core.manifest.Manifest.SequenceEntry;
import dev.redoubt.core.manifest.TableEntry;

/**
 * Reads what to back up from the system catalogs: tables that hold rows (plain, unlogged,
 * leaf partitions; not partitioned parents, views, foreign tables or tables that belong
 * to an extension), sequences and populated materialized views.
 */
final class SourceCatalog {

	private static final String USER_NAMESPACES = "n.nspname NOT IN ('pg_catalog', 'information_schema')"
			+ " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

	private static final String NOT_EXTENSION_MEMBER = "NOT EXISTS (SELECT 1 FROM pg_depend d"
			+ " WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')";

	private SourceCatalog() {
	}

	static List<TableSource> tables(Connection connection) throws SQLException {
		String sql = "SELECT c.oid, n.nspname, c.relname, c.relpersistence, c.relrowsecurity,"
				+ " (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.relname) FROM pg_inherits i"
				+ "   JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace"
				+ "   WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,"
				// a table may have no columns (CREATE TABLE t (), or every column
				// dropped) and still rows
				+ " (SELECT coalesce(array_agg(a.attname ORDER BY a.attnum), '{}') FROM pg_attribute a"
				+ "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,"
				+ " (SELECT a.attname FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid"
				+ "   AND a.attnum = x.indkey[0] WHERE x.indrelid = c.oid AND x.indisprimary AND x.indnatts = 1"
				+ "   AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)) AS key_column,"
				+ " pg_relation_size(c.oid) / current_setting('block_size')::int AS pages"
				+ " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace" + " WHERE c.relkind = 'r' AND "
				+ USER_NAMESPACES + " AND " + NOT_EXTENSION_MEMBER + " ORDER BY n.nspname, c.relname";
		List<TableSource> tables = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(sql);
				ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				String[] columns = (String[]) rows.getArray("columns").getArray();
				tables.add(new TableSource(rows.getLong("oid"), rows.getString("nspname"), rows.getString("relname"),
						"u".equals(rows.getString("relpersistence")) ? "unlogged" : "permanent",
						rows.getString("parent"), Arrays.asList(columns), rows.getString("key_column"),
						rows.getLong("pages"), rows.getBoolean("relrowsecurity")));
			}
		}
		return tables;
	}

	static List<SequenceEntry> sequences(Connection connection) throws SQLException {
		List<String[]> names = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement("SELECT n.nspname, c.relname FROM pg_class c"
				+ " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND " + USER_NAMESPACES
				+ " AND " + NOT_EXTENSION_MEMBER + " ORDER BY 1, 2"); ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				names.add(new String[] { rows.getString(1), rows.getString(2) });
			}
		}
		List<SequenceEntry> sequences = new ArrayList<>();
		for (String[] name : names) {
			String qualified = TableEntry.quote(name[0]) + "." + TableEntry.quote(name[1]);
			try (PreparedStatement statement = connection
				.prepareStatement("SELECT last_value, is_called FROM " + qualified);
					ResultSet rows = statement.executeQuery()) {
				rows.next();
				sequences.add(new SequenceEntry(name[0], name[1], rows.getLong(1), rows.getBoolean(2)));
			}
		}
		return sequences;
	}

	static List<String> populatedMaterializedViews(Connection connection) throws SQLException {
		List<String> views = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement("SELECT quote_ident(n.nspname) || '.' ||"
				+ " quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
				+ " WHERE c.relkind = 'm' AND c.relispopulated AND " + USER_NAMESPACES + " ORDER BY c.oid");
				ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				views.add(rows.getString(1));
			}
		}
		return views;
	}

	static long largeObjectCount(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM pg_largeobject_metadata");
				ResultSet rows = statement.executeQuery()) {
			rows.next();
			return rows.getLong(1);
		}
	}

}
