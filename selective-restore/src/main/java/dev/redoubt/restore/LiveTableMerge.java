package dev.redoubt.restore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.repository.CrashPoint;

/**
 * Merges staged rows into the live table in one transaction, by a conflict mode: the rows
 * the predicate selected (judged in a {@link PredicateSandbox}) go from the staged copy
 * (a temporary table of the same session) into a temporary table shaped like the live
 * one, the differences are counted, and the merge runs; with a dry run, or on any error,
 * the transaction rolls back and the live table is exactly as it was. Columns are matched
 * by name: a column the live table gained since the backup gets its default, a column it
 * lost is refused unless {@code allowDroppedColumns}, and a changed type is converted by
 * PostgreSQL or fails before anything is written.
 */
final class LiveTableMerge {

	/**
	 * What the merge did (or would do).
	 *
	 * @param inserted rows inserted
	 * @param updated rows updated to their restored values
	 * @param unchanged restored rows already present with the same values
	 * @param deleted live rows deleted ({@code replace})
	 * @param droppedColumns backup columns the live table no longer has, left out
	 */
	record Counts(long inserted, long updated, long unchanged, long deleted, List<String> droppedColumns) {
	}

	/**
	 * Which live rows a predicate selects ({@link PredicateSandbox#selectLive}), for
	 * {@code replace}.
	 */
	@FunctionalInterface
	interface LiveSelection {

		/**
		 * @param live the live table, quoted, locked against writers by the caller
		 * @param columns the columns live table and backup share
		 * @return an SQL condition on the live table's rows
		 */
		String select(Connection connection, String live, List<String> columns) throws SQLException;

	}

	private LiveTableMerge() {
	}

	/**
	 * Merges, then commits; rolls back on any error and on a dry run.
	 * @param connection a session in a transaction that holds the staged rows
	 * @param stage the temporary table holding the fetched rows in the backup's shape
	 * @param stageSelected a condition on the staged rows (the ones a predicate
	 * selected), or {@code null} for all
	 * @param liveSelection with a predicate, which live rows it selects; else
	 * {@code null}
	 */
	static Counts merge(Connection connection, TableEntry table, String stage, String stageSelected,
			LiveSelection liveSelection, ConflictMode mode, boolean dryRun, boolean allowDroppedColumns,
			boolean disableTriggers) {
		String live = table.qualifiedName();
		try {
			try {
				LiveColumns columns = LiveColumns.read(connection, table);
				List<String> dropped = table.columns().stream().filter((c) -> !columns.names().contains(c)).toList();
				if (!dropped.isEmpty() && !allowDroppedColumns) {
					throw new RedoubtException(ErrorCode.INVALID_SELECTION,
							live + " no longer has column(s) " + dropped + " that the backup holds",
							"pass --allow-dropped-columns to restore the other columns and leave these out", null);
				}
				if (mode.needsPrimaryKey() && columns.primaryKey().isEmpty()) {
					throw new RedoubtException(ErrorCode.INVALID_SELECTION, live
							+ " has no primary key: only --conflict fail and --conflict replace can match its rows");
				}
				List<String> shared = table.columns().stream().filter(columns.names()::contains).toList();
				String list = quoted(shared);
				try (Statement statement = connection.createStatement()) {
					if (disableTriggers) {
						statement.execute("SET LOCAL session_replication_role = replica");
					}
					statement.execute("CREATE TEMP TABLE redoubt_incoming ON COMMIT DROP AS SELECT " + list + " FROM "
							+ live + " WITH NO DATA");
				}
				transfer(connection, stage, shared, columns, stageSelected);
				String liveSelected = null;
				if (mode == ConflictMode.REPLACE && liveSelection != null) {
					// the rows judged are the rows deleted: no writer moves them in
					// between
					try (Statement statement = connection.createStatement()) {
						statement.execute("LOCK TABLE ONLY " + live + " IN EXCLUSIVE MODE");
					}
					liveSelected = liveSelection.select(connection, live, shared);
				}
				Counts counts = count(connection, live, shared, columns.primaryKey(), liveSelected, mode, dropped);
				if (mode == ConflictMode.FAIL && counts.unchanged() + counts.updated() > 0) {
					throw new RedoubtException(ErrorCode.OBJECT_EXISTS,
							(counts.unchanged() + counts.updated()) + " of the restored rows exist in " + live
									+ " (--conflict fail): nothing was changed",
							"choose --conflict skip, upsert or replace", null);
				}
				if (!dryRun) {
					apply(connection, live, shared, columns, liveSelected, mode);
					CrashPoint.fromSystemProperty().reached(CrashPoint.DURING_MERGE);
					connection.commit();
				}
				else {
					connection.rollback();
				}
				return counts;
			}
			catch (SQLException | RuntimeException ex) {
				connection.rollback();
				if (ex instanceof RedoubtException redoubt) {
					throw redoubt;
				}
				throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "merging into " + live
						+ " failed and was rolled back (the live table is unchanged): " + ex.getMessage(), ex);
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot roll back the merge into " + live + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * The selected staged rows into the temporary table shaped like the live one, each
	 * shared column cast to the live column's type where it changed: a cast PostgreSQL
	 * cannot make fails here, before the live table is written.
	 */
	private static void transfer(Connection connection, String stage, List<String> shared, LiveColumns live,
			String selected) throws SQLException {
		String select = shared.stream()
			.map((c) -> "CAST(s." + quote(c) + " AS " + live.types().get(live.names().indexOf(c)) + ")")
			.collect(Collectors.joining(", "));
		try (Statement statement = connection.createStatement()) {
			statement.executeUpdate("INSERT INTO redoubt_incoming (" + quoted(shared) + ") SELECT " + select + " FROM "
					+ stage + " s" + ((selected == null) ? "" : " WHERE " + selected));
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"the restored rows do not fit the live table "
							+ "(a column's type changed since the backup, and PostgreSQL cannot cast it): "
							+ ex.getMessage().replace('\n', ' ') + "; nothing was written",
					ex);
		}
	}

	private static Counts count(Connection connection, String live, List<String> columns, List<String> key,
			String liveSelected, ConflictMode mode, List<String> dropped) throws SQLException {
		long incoming = single(connection, "SELECT count(*) FROM redoubt_incoming");
		if (mode == ConflictMode.REPLACE) {
			long deleted = single(connection,
					"SELECT count(*) FROM ONLY " + live + ((liveSelected == null) ? "" : " WHERE " + liveSelected));
			return new Counts(incoming, 0, 0, deleted, dropped);
		}
		String match = key.isEmpty() ? rowsEqual(columns)
				: key.stream().map((c) -> "l." + quote(c) + " = i." + quote(c)).collect(Collectors.joining(" AND "));
		long present = single(connection, "SELECT count(*) FROM redoubt_incoming i WHERE EXISTS (SELECT 1 FROM " + live
				+ " l WHERE " + match + ")");
		long same = key.isEmpty() ? present : single(connection, "SELECT count(*) FROM redoubt_incoming i WHERE EXISTS"
				+ " (SELECT 1 FROM " + live + " l WHERE " + match + " AND " + rowsEqual(columns) + ")");
		// skip leaves every present row as it is; fail and upsert tell changed rows apart
		return (mode == ConflictMode.SKIP) ? new Counts(incoming - present, 0, present, 0, dropped)
				: new Counts(incoming - present, present - same, same, 0, dropped);
	}

	private static void apply(Connection connection, String live, List<String> columns, LiveColumns liveColumns,
			String liveSelected, ConflictMode mode) throws SQLException {
		String list = quoted(columns);
		String insert = "INSERT INTO " + live + " (" + list + ")"
				+ (liveColumns.hasIdentityAlways() ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " + list
				+ " FROM redoubt_incoming i";
		String key = quoted(liveColumns.primaryKey());
		try (Statement statement = connection.createStatement()) {
			switch (mode) {
				case FAIL -> statement.executeUpdate(insert);
				case SKIP -> statement.executeUpdate(insert + " ON CONFLICT (" + key + ") DO NOTHING");
				case UPSERT -> {
					List<String> values = columns.stream()
						.filter((c) -> !liveColumns.primaryKey().contains(c))
						.toList();
					String update = values.isEmpty() ? " DO NOTHING" : " DO UPDATE SET "
							+ values.stream()
								.map((c) -> quote(c) + " = EXCLUDED." + quote(c))
								.collect(Collectors.joining(", "))
							+ " WHERE ("
							+ values.stream().map((c) -> live + "." + quote(c)).collect(Collectors.joining(", "))
							+ ") IS DISTINCT FROM ("
							+ values.stream().map((c) -> "EXCLUDED." + quote(c)).collect(Collectors.joining(", "))
							+ ")";
					statement.executeUpdate(insert + " ON CONFLICT (" + key + ")" + update);
				}
				case REPLACE -> {
					statement.executeUpdate(
							"DELETE FROM ONLY " + live + ((liveSelected == null) ? "" : " WHERE " + liveSelected));
					statement.executeUpdate(insert);
				}
			}
		}
	}

	private static String rowsEqual(List<String> columns) {
		return "(" + columns.stream().map((c) -> "l." + quote(c)).collect(Collectors.joining(", "))
				+ ") IS NOT DISTINCT FROM ("
				+ columns.stream().map((c) -> "i." + quote(c)).collect(Collectors.joining(", ")) + ")";
	}

	private static long single(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
	}

	private static String quoted(List<String> columns) {
		return columns.stream().map(LiveTableMerge::quote).collect(Collectors.joining(", "));
	}

	private static String quote(String identifier) {
		return TableEntry.quote(identifier);
	}

	/**
	 * The live table's columns as they are now.
	 *
	 * @param names insertable columns (not generated, not dropped)
	 * @param types their types, as {@code format_type} writes them
	 * @param primaryKey primary-key columns, empty without one
	 * @param hasIdentityAlways whether a column is {@code GENERATED ALWAYS AS IDENTITY}
	 */
	record LiveColumns(List<String> names, List<String> types, List<String> primaryKey, boolean hasIdentityAlways) {

		static LiveColumns read(Connection connection, TableEntry table) throws SQLException {
			List<String> names = new ArrayList<>();
			List<String> types = new ArrayList<>();
			boolean identityAlways = false;
			try (PreparedStatement query = connection
				.prepareStatement("SELECT attname, attidentity," + " format_type(atttypid, atttypmod) FROM pg_attribute"
						+ " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
						+ " ORDER BY attnum")) {
				query.setString(1, table.qualifiedName());
				try (ResultSet rows = query.executeQuery()) {
					while (rows.next()) {
						names.add(rows.getString(1));
						types.add(rows.getString(3));
						identityAlways |= "a".equals(rows.getString(2));
					}
				}
			}
			if (names.isEmpty()) {
				throw new RedoubtException(ErrorCode.INVALID_SELECTION, "the live table " + table.qualifiedName()
						+ " does not exist: restore beside it (without --into-existing) instead");
			}
			List<String> key = new ArrayList<>();
			try (PreparedStatement query = connection.prepareStatement("SELECT a.attname FROM pg_index x"
					+ " JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)"
					+ " WHERE x.indrelid = to_regclass(?) AND x.indisprimary ORDER BY array_position(x.indkey::int2[], a.attnum)")) {
				query.setString(1, table.qualifiedName());
				try (ResultSet rows = query.executeQuery()) {
					while (rows.next()) {
						key.add(rows.getString(1));
					}
				}
			}
			return new LiveColumns(names, types, key, identityAlways);
		}

	}

}
