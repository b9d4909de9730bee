package dev.redoubt.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;

/**
 * The content of a database in a few numbers, computed by the server itself and
 * independent of how a backup encodes rows: per table the row count and an
 * order-independent hash (the sum of the first 60 bits of {@code md5(row::text)} over all
 * rows, generated columns included), every sequence's state, and the large objects' count
 * and content hash.
 *
 * @param tables per {@code schema.table}, {@code rows:hash}
 * @param sequences per {@code schema.sequence}, {@code last_value:is_called}
 * @param largeObjects {@code count:hash}
 */
public record DatabaseFingerprint(Map<String, String> tables, Map<String, String> sequences, String largeObjects) {

	private static final String USER_RELATIONS = "n.nspname NOT IN ('pg_catalog', 'information_schema')"
			+ " AND n.nspname NOT LIKE 'pg\\_%' AND NOT EXISTS (SELECT 1 FROM pg_depend d"
			+ " WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')";

	public static DatabaseFingerprint take(ConnectionSpec database) {
		try (Connection connection = database.open("redoubt fingerprint")) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET extra_float_digits = 3;"
						+ " SET IntervalStyle = 'postgres'; SET bytea_output = 'hex'; SET row_security = off");
			}
			return new DatabaseFingerprint(tables(connection), sequences(connection), largeObjects(connection));
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot fingerprint database " + database.database() + ": " + ex.getMessage(), ex);
		}
	}

	private static Map<String, String> tables(Connection connection) throws SQLException {
		Map<String, String> result = new TreeMap<>();
		for (String table : names(connection, "c.relkind IN ('r', 'm')")) {
			try (Statement statement = connection.createStatement();
					ResultSet rows = statement
						.executeQuery("SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))"
								+ "::bit(60)::bigint::numeric), 0) FROM ONLY " + table + " t")) {
				rows.next();
				result.put(table, rows.getLong(1) + ":" + rows.getBigDecimal(2).toPlainString());
			}
			catch (SQLException ex) {
				// a materialized view created WITH NO DATA cannot be scanned until
				// refreshed
				result.put(table,
						"55000".equals(ex.getSQLState()) ? "not populated" : "unreadable " + ex.getSQLState());
			}
		}
		return result;
	}

	private static Map<String, String> sequences(Connection connection) throws SQLException {
		Map<String, String> result = new TreeMap<>();
		for (String sequence : names(connection, "c.relkind = 'S'")) {
			try (Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("SELECT last_value, is_called FROM " + sequence)) {
				rows.next();
				result.put(sequence, rows.getLong(1) + ":" + rows.getBoolean(2));
			}
		}
		return result;
	}

	private static String largeObjects(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT count(*), coalesce(sum(('x' || substr(md5(m.oid::text"
						+ " || ':' || md5(lo_get(m.oid))), 1, 15))::bit(60)::bigint::numeric), 0) FROM pg_largeobject_metadata m")) {
			rows.next();
			return rows.getLong(1) + ":" + rows.getBigDecimal(2).toPlainString();
		}
	}

	private static List<String> names(Connection connection, String kind) throws SQLException {
		List<String> names = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement("SELECT quote_ident(n.nspname) || '.' ||"
				+ " quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + kind
				+ " AND " + USER_RELATIONS + " ORDER BY 1"); ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				names.add(rows.getString(1));
			}
		}
		return names;
	}

	/** Every difference between this (the source) and {@code restored}, one line each. */
	public List<String> differences(DatabaseFingerprint restored) {
		List<String> differences = new ArrayList<>();
		compare("table", this.tables, restored.tables, differences);
		compare("sequence", this.sequences, restored.sequences, differences);
		if (!Objects.equals(this.largeObjects, restored.largeObjects)) {
			differences.add("large objects: source " + this.largeObjects + ", restored " + restored.largeObjects);
		}
		return differences;
	}

	private static void compare(String kind, Map<String, String> source, Map<String, String> restored,
			List<String> differences) {
		TreeSet<String> names = new TreeSet<>(source.keySet());
		names.addAll(restored.keySet());
		for (String name : names) {
			String a = source.get(name);
			String b = restored.get(name);
			if (!Objects.equals(a, b)) {
				differences.add(kind + " " + name + ": source " + a + ", restored " + b);
			}
		}
	}

	/** Rows in all tables (materialized views excluded from nothing: they count too). */
	public long totalRows() {
		return this.tables.values()
			.stream()
			.filter((v) -> Character.isDigit(v.charAt(0)))
			.mapToLong((v) -> Long.parseLong(v.substring(0, v.indexOf(':'))))
			.sum();
	}

}
