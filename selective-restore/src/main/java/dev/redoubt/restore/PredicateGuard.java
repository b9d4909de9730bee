package dev.redoubt.restore;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Lets PostgreSQL's own parser judge a row predicate, on the staged (still empty) copy of
 * the table: it is compiled into a temporary view, and the view's query tree must name no
 * relation but the staged table (a subquery on another table would read live data, not
 * the backup's) and no volatile function (which may write, or select rows at random).
 * Syntax errors and unknown columns fail the compilation; a predicate that passes can
 * only read the staged rows.
 */
final class PredicateGuard {

	private PredicateGuard() {
	}

	/**
	 * Refuses, before anything runs, text that could step out of the parentheses it is
	 * placed in: a ';', a comment, dollar quoting, or parentheses that do not balance
	 * outside string literals and quoted names.
	 */
	static void checkShape(String where) {
		if (where == null) {
			return;
		}
		int depth = 0;
		char quote = 0;
		for (int i = 0; i < where.length(); i++) {
			char c = where.charAt(i);
			if (quote != 0) {
				if (c == quote) {
					quote = 0;
				}
				continue;
			}
			switch (c) {
				case '\'', '"' -> quote = c;
				case '(' -> depth++;
				case ')' -> {
					if (--depth < 0) {
						throw refused(where, "a ')' closes more than it opened");
					}
				}
				case ';' -> throw refused(where, "';' would end the statement");
				case '$' -> throw refused(where, "dollar quoting is not accepted");
				case '-', '/' -> {
					if (i + 1 < where.length() && where.charAt(i + 1) == ((c == '-') ? '-' : '*')) {
						throw refused(where, "comments are not accepted");
					}
				}
				default -> {
				}
			}
		}
		if (quote != 0) {
			throw refused(where, "a quote is not closed");
		}
		if (depth != 0) {
			throw refused(where, "a '(' is not closed");
		}
	}

	private static RedoubtException refused(String where, String why) {
		return new RedoubtException(ErrorCode.INVALID_SELECTION,
				"--where must be one predicate: " + why + ": " + where);
	}

	/**
	 * Compiles the predicate against {@code relation} (the staged copy of the table) in
	 * the caller's transaction, inside a savepoint that is rolled back, so nothing of the
	 * check stays behind.
	 * @param what the table as the user named it, for messages
	 */
	static void check(Connection connection, String relation, String what, String where) {
		if (where == null) {
			return;
		}
		String label = "--where on " + what;
		try (Statement statement = connection.createStatement()) {
			statement.execute("SAVEPOINT redoubt_predicate");
			try {
				statement.execute("CREATE TEMP VIEW redoubt_predicate AS SELECT 1 AS one FROM ONLY " + relation
						+ " WHERE (" + where + ")");
				// the view's stored query tree names every relation and function it uses,
				// system ones included (pg_depend leaves out pinned system objects)
				String tree;
				try (ResultSet rows = statement.executeQuery(
						"SELECT ev_action::text FROM pg_rewrite WHERE ev_class = 'redoubt_predicate'::regclass")) {
					rows.next();
					tree = rows.getString(1);
				}
				List<String> problems = new ArrayList<>();
				String relations = ids(tree, ":relid (\\d+)");
				try (ResultSet rows = statement.executeQuery("SELECT DISTINCT oid::regclass::text FROM pg_class"
						+ " WHERE oid IN (" + relations + ") AND oid NOT IN ('redoubt_predicate'::regclass, "
						+ quoteLiteral(relation) + "::regclass)")) {
					while (rows.next()) {
						problems.add("it reads another table (" + rows.getString(1)
								+ "): a predicate may name only the restored table's columns");
					}
				}
				String functions = ids(tree, ":(?:funcid|opfuncid) (\\d+)");
				try (ResultSet rows = statement.executeQuery("SELECT DISTINCT oid::regprocedure::text FROM pg_proc"
						+ " WHERE oid IN (" + functions + ") AND provolatile = 'v'")) {
					while (rows.next()) {
						problems.add("it calls the volatile function " + rows.getString(1)
								+ " (it may write or pick rows at random)");
					}
				}
				if (!problems.isEmpty()) {
					throw new RedoubtException(ErrorCode.INVALID_SELECTION,
							label + " is refused: " + String.join("; ", problems));
				}
			}
			finally {
				statement.execute("ROLLBACK TO SAVEPOINT redoubt_predicate");
				statement.execute("RELEASE SAVEPOINT redoubt_predicate");
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					label + " is not a valid predicate: " + ex.getMessage().replace('\n', ' '), ex);
		}
	}

	/** The numbers a pattern captures in the tree, as an SQL list (0 when none). */
	private static String ids(String tree, String pattern) {
		java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(pattern).matcher(tree);
		java.util.Set<String> ids = new java.util.TreeSet<>();
		ids.add("0");
		while (matcher.find()) {
			ids.add(matcher.group(1));
		}
		return String.join(", ", ids);
	}

	private static String quoteLiteral(String text) {
		return "'" + text.replace("'", "''") + "'";
	}

}
