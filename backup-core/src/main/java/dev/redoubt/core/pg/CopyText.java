package dev.redoubt.core.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Session settings under which {@code COPY ... TO STDOUT} text is the same bytes for the
 * same rows on any server: the content hash of a table at backup time and after a restore
 * can only agree if dates, floats, intervals and bytea print alike on both sides.
 */
public final class CopyText {

	/** The settings as one SQL string of {@code SET} commands. */
	public static final String SESSION_SETTINGS = "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD';"
			+ " SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; SET extra_float_digits = 3;"
			+ " SET bytea_output = 'hex'; SET standard_conforming_strings = on";

	private CopyText() {
	}

	/**
	 * {@code COPY table (columns) FROM STDIN}; a table without columns ({@code CREATE
	 * TABLE t ()}, or every column dropped) still holds rows, each an empty line, and
	 * takes no column list at all ({@code ()} is a syntax error).
	 * @param table the table, quoted
	 * @param columns its columns, each quoted
	 */
	public static String copyFromStdin(String table, java.util.List<String> columns) {
		return "COPY " + table + (columns.isEmpty() ? "" : " (" + String.join(", ", columns) + ")") + " FROM STDIN";
	}

	public static void applySessionSettings(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(SESSION_SETTINGS);
		}
	}

}
