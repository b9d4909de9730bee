package dev.redoubt.restore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.postgresql.PGConnection;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.CrashPoint;

/**
 * Merges staged rows into the live table in one transaction, by a conflict mode: the rows
 * travel from the stage into a temporary table of the target, the differences are
 * counted, and the merge runs; with a dry run, or on any error, the transaction rolls
 * back and the live table is exactly as it was. Columns are matched by name: a column the
 * live table gained since the backup gets its default, a column it lost is refused unless
 * {@code allowDroppedColumns}, and a changed type is converted by PostgreSQL or fails
 * before anything is written.
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

	private final ConnectionSpec stage;

	private final ConnectionSpec target;

	private final Path workDirectory;

	LiveTableMerge(ConnectionSpec stage, ConnectionSpec target, Path workDirectory) {
		this.stage = stage;
		this.target = target;
		this.workDirectory = workDirectory;
	}

	Counts merge(TableEntry table, String where, ConflictMode mode, boolean dryRun, boolean allowDroppedColumns,
			boolean disableTriggers) {
		String live = table.qualifiedName();
		try (Connection connection = this.target.open("redoubt table restore")) {
			connection.setAutoCommit(false);
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
				transfer(table, shared, connection);
				Counts counts = count(connection, live, shared, columns.primaryKey(), where, mode, dropped);
				if (mode == ConflictMode.FAIL && counts.unchanged() + counts.updated() > 0) {
					throw new RedoubtException(ErrorCode.OBJECT_EXISTS,
							(counts.unchanged() + counts.updated()) + " of the restored rows exist in " + live
									+ " (--conflict fail): nothing was changed",
							"choose --conflict skip, upsert or replace", null);
				}
				if (!dryRun) {
					apply(connection, live, shared, columns, where, mode);
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
					"cannot reach the target database " + this.target.database() + ": " + ex.getMessage(), ex);
		}
	}

	/** Staged rows into the target's temporary table, through a private file. */
	private void transfer(TableEntry table, List<String> columns, Connection target) throws SQLException {
		Path file = this.workDirectory.resolve("incoming.copy");
		String list = quoted(columns);
		try {
			try (Connection stage = this.stage.open("redoubt table restore");
					OutputStream out = Files.newOutputStream(file)) {
				stage.unwrap(PGConnection.class)
					.getCopyAPI()
					.copyOut("COPY (SELECT " + list + " FROM ONLY " + table.qualifiedName() + ") TO STDOUT", out);
			}
			try (InputStream in = Files.newInputStream(file)) {
				target.unwrap(PGConnection.class)
					.getCopyAPI()
					.copyIn("COPY redoubt_incoming (" + list + ") FROM STDIN", in);
			}
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot pass the staged rows on: " + ex.getMessage(), ex);
		}
	}

	private static Counts count(Connection connection, String live, List<String> columns, List<String> key,
			String where, ConflictMode mode, List<String> dropped) throws SQLException {
		long incoming = single(connection, "SELECT count(*) FROM redoubt_incoming");
		if (mode == ConflictMode.REPLACE) {
			long deleted = single(connection,
					"SELECT count(*) FROM " + live + ((where == null) ? "" : " WHERE (" + where + ")"));
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
			String where, ConflictMode mode) throws SQLException {
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
					statement.executeUpdate("DELETE FROM " + live + ((where == null) ? "" : " WHERE (" + where + ")"));
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
	 * @param primaryKey primary-key columns, empty without one
	 * @param hasIdentityAlways whether a column is {@code GENERATED ALWAYS AS IDENTITY}
	 */
	record LiveColumns(List<String> names, List<String> primaryKey, boolean hasIdentityAlways) {

		static LiveColumns read(Connection connection, TableEntry table) throws SQLException {
			List<String> names = new ArrayList<>();
			boolean identityAlways = false;
			try (PreparedStatement query = connection.prepareStatement("SELECT attname, attidentity FROM pg_attribute"
					+ " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
					+ " ORDER BY attnum")) {
				query.setString(1, table.qualifiedName());
				try (ResultSet rows = query.executeQuery()) {
					while (rows.next()) {
						names.add(rows.getString(1));
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
			return new LiveColumns(names, key, identityAlways);
		}

	}

}
