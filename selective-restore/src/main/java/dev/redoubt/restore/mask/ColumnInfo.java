package dev.redoubt.restore.mask;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A column as the restored schema has it: its type as {@code format_type} shows it, the
 * base type under a domain ({@code typname}) and its category ({@code typcategory}: N
 * numeric, S string, D date and time, ...), whether it is {@code NOT NULL}, and the
 * length limit of a {@code varchar(n)} or {@code char(n)} (-1: none).
 */
public record ColumnInfo(String schema, String table, String column, String type, String baseType, char category,
		boolean notNull, int maxLength) {

	/** {@code schema.table.column}, unquoted: what a column rule's pattern matches. */
	public String path() {
		return this.schema + "." + this.table + "." + this.column;
	}

	boolean integer() {
		return integerBits() > 0;
	}

	/**
	 * The bits of an integer column's non-negative range (15, 31 or 63), 0 for any other
	 * type; its largest value is {@code 2^bits - 1}.
	 */
	int integerBits() {
		return switch (this.baseType) {
			case "int2" -> 15;
			case "int4" -> 31;
			case "int8" -> 63;
			default -> 0;
		};
	}

	/** Every column of every ordinary or partitioned table outside the system schemas. */
	public static List<ColumnInfo> read(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement(COLUMNS + " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')"
					+ " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
					+ " ORDER BY 1, 2, a.attnum")) {
			return read(statement, null, null);
		}
	}

	/**
	 * The columns of one relation ({@code relation}, quoted and qualified: a table
	 * restore's copy or stage), named as {@code schema.table}, the backup's table it
	 * holds the rows of, so that a policy's patterns match them as they match the
	 * original.
	 */
	public static List<ColumnInfo> of(Connection connection, String relation, String schema, String table)
			throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(COLUMNS
				+ " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
			statement.setString(1, relation);
			return read(statement, schema, table);
		}
	}

	private static final String COLUMNS = """
			SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), b.typname,
			       b.typcategory, a.attnotnull,
			       CASE WHEN b.typname IN ('varchar', 'bpchar')
			            THEN greatest(a.atttypmod, t.typtypmod) - 4 ELSE -1 END
			FROM pg_attribute a
			JOIN pg_class c ON c.oid = a.attrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_type t ON t.oid = a.atttypid
			JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END""";

	private static List<ColumnInfo> read(PreparedStatement statement, String schema, String table) throws SQLException {
		List<ColumnInfo> columns = new ArrayList<>();
		try (ResultSet rows = statement.executeQuery()) {
			while (rows.next()) {
				int max = rows.getInt(8);
				columns.add(new ColumnInfo((schema != null) ? schema : rows.getString(1),
						(table != null) ? table : rows.getString(2), rows.getString(3), rows.getString(4),
						rows.getString(5), rows.getString(6).charAt(0), rows.getBoolean(7), (max > 0) ? max : -1));
			}
		}
		return columns;
	}

}
