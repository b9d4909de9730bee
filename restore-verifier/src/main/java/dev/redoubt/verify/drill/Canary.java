package dev.redoubt.verify.drill;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;

/**
 * A drill's two-sided proof of where recovery landed. Just before T it writes a row to
 * {@code public.redoubt_drill_canary} on the source, switches the WAL segment and waits
 * until the source reports that segment archived (so every region had it); just after T
 * it writes a second row, whose WAL no region has yet. The recovered database must hold
 * the first, and must not hold the second unless it recovered past it.
 */
final class Canary {

	static final String TABLE = "public.redoubt_drill_canary";

	/** How long the first row's segment may take to be archived. */
	private static final Duration ARCHIVE_DEADLINE = Duration.ofMinutes(5);

	private final ConnectionSpec source;

	private final Row before;

	private Row after;

	record Row(String token, Instant writtenAt, String segment) {
	}

	private Canary(ConnectionSpec source, Row before) {
		this.source = source;
		this.before = before;
	}

	/**
	 * Writes the row before T and waits until its segment is archived.
	 * @throws RedoubtException {@code DRILL_NOT_RUN} if the source refuses the row,
	 * {@code WAL_GAP} if its segment is not archived in time
	 */
	static Canary plant(ConnectionSpec source) {
		try (Connection connection = source.open("redoubt drill canary");
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (token text PRIMARY KEY,"
					+ " written_at timestamptz NOT NULL DEFAULT clock_timestamp(), side text NOT NULL)");
			statement.execute("DELETE FROM " + TABLE + " WHERE written_at < now() - interval '30 days'");
			Row before = insert(connection, "before");
			statement.execute("SELECT pg_switch_wal()");
			awaitArchived(statement, before.segment());
			return new Canary(source, before);
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DRILL_NOT_RUN,
					"cannot write the canary to " + TABLE + " on the source: " + ex.getMessage(), ex);
		}
	}

	/** Writes the row after T. */
	void afterDisaster() {
		try (Connection connection = this.source.open("redoubt drill canary")) {
			this.after = insert(connection, "after");
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DRILL_NOT_RUN,
					"cannot write the second canary to " + TABLE + " on the source: " + ex.getMessage(), ex);
		}
	}

	/** The check: the first row is there, the second is not unless recovery passed it. */
	CheckResult prove(ConnectionSpec recovered, Instant newestCommit) {
		long start = System.nanoTime();
		boolean hasBefore;
		boolean hasAfter;
		try (Connection connection = recovered.open("redoubt drill canary");
				Statement statement = connection.createStatement()) {
			try (ResultSet exists = statement.executeQuery("SELECT to_regclass('" + TABLE + "') IS NOT NULL")) {
				exists.next();
				if (!exists.getBoolean(1)) {
					return result(CheckStatus.FAILED, "the canary table " + TABLE + " is missing from the recovered"
							+ " database: the canary written before T (WAL " + this.before.segment() + ") was lost",
							start);
				}
			}
			hasBefore = holds(connection, this.before);
			hasAfter = this.after != null && holds(connection, this.after);
		}
		catch (SQLException ex) {
			return result(CheckStatus.FAILED, "cannot read the canary in the recovered database: " + ex.getMessage(),
					start);
		}
		if (!hasBefore) {
			return result(
					CheckStatus.FAILED, "the canary written before T at " + this.before.writtenAt() + " (WAL "
							+ this.before.segment() + ", archived before T) is missing from the recovered database",
					start);
		}
		if (hasAfter && (newestCommit == null || newestCommit.isBefore(this.after.writtenAt()))) {
			return result(CheckStatus.FAILED,
					"the canary written after T at " + this.after.writtenAt()
							+ " is in the recovered database, whose newest commit is " + newestCommit
							+ ": the recovered point is not what PostgreSQL reported",
					start);
		}
		return result(CheckStatus.PASSED,
				"written before T at " + this.before.writtenAt() + ": recovered; written after T"
						+ ((this.after != null) ? " at " + this.after.writtenAt() : "") + ": "
						+ (hasAfter ? "recovered too (the recovered point is later)" : "absent, as it must be"),
				start);
	}

	private static CheckResult result(CheckStatus status, String detail, long start) {
		return new CheckResult("canary", "Canary rows before and after T", status, detail,
				Duration.ofNanos(System.nanoTime() - start));
	}

	private static boolean holds(Connection connection, Row row) throws SQLException {
		try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM " + TABLE + " WHERE token = ?")) {
			query.setString(1, row.token());
			try (ResultSet rows = query.executeQuery()) {
				return rows.next();
			}
		}
	}

	private static Row insert(Connection connection, String side) throws SQLException {
		String token = side + "-" + HexFormat.of().formatHex(randomBytes());
		try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE
				+ " (token, side) VALUES (?, ?) RETURNING written_at, pg_walfile_name(pg_current_wal_insert_lsn())")) {
			insert.setString(1, token);
			insert.setString(2, side);
			try (ResultSet row = insert.executeQuery()) {
				row.next();
				return new Row(token, row.getTimestamp(1).toInstant(), row.getString(2));
			}
		}
	}

	private static void awaitArchived(Statement statement, String segment) throws SQLException {
		long deadline = System.nanoTime() + ARCHIVE_DEADLINE.toNanos();
		while (true) {
			try (ResultSet row = statement
				.executeQuery("SELECT coalesce(last_archived_wal, '') >= '" + segment + "' FROM pg_stat_archiver")) {
				row.next();
				if (row.getBoolean(1)) {
					return;
				}
			}
			if (System.nanoTime() > deadline) {
				throw new RedoubtException(ErrorCode.WAL_GAP, "the canary's WAL segment " + segment
						+ " was not archived within " + ARCHIVE_DEADLINE.toMinutes() + " min: the archive is behind");
			}
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while the canary was archived");
			}
		}
	}

	private static byte[] randomBytes() {
		byte[] bytes = new byte[8];
		ThreadLocalRandom.current().nextBytes(bytes);
		return bytes;
	}

}
