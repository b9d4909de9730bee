package dev.redoubt.service.backup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.Manifest.SequenceEntry;
import dev.redoubt.core.manifest.Manifest.Snapshot;
import dev.redoubt.core.manifest.Manifest.SourceIdentity;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.pg.SchemaVersionReader;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.ServerVersion;

/**
 * The coordinator session of a logical backup. It locks every table to back up in
 * {@code ACCESS SHARE} mode and then exports its snapshot, and it keeps that transaction
 * open until every worker has finished: catalog lookups (pg_dump's, COPY's) see the
 * latest catalog, not the snapshot, so without the locks a concurrent {@code ALTER TABLE}
 * or {@code DROP} could make the schema and the data disagree.
 */
final class SourceSnapshot implements AutoCloseable {

	private final Connection connection;

	private final SourceIdentity identity;

	private final ServerVersion version;

	private String snapshotId;

	private Snapshot snapshot;

	private List<TableSource> tables;

	private SourceSnapshot(Connection connection, SourceIdentity identity, ServerVersion version) {
		this.connection = connection;
		this.identity = identity;
		this.version = version;
	}

	static SourceSnapshot open(String sourceName, ConnectionSpec spec) {
		Connection connection = spec.open("redoubt backup coordinator");
		try (Statement statement = connection.createStatement()) {
			ResultSet rows = statement.executeQuery("SELECT current_setting('server_version_num')::int,"
					+ " current_setting('server_version'), current_database()");
			rows.next();
			ServerVersion version = new ServerVersion(rows.getInt(1));
			String versionText = rows.getString(2);
			String database = rows.getString(3);
			return new SourceSnapshot(connection, new SourceIdentity(sourceName, systemIdentifier(connection),
					versionText, version.number(), database), version);
		}
		catch (SQLException ex) {
			close(connection);
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot read the identity of source " + sourceName + ": " + ex.getMessage(), ex);
		}
	}

	private static String systemIdentifier(Connection connection) {
		try (Statement statement = connection.createStatement()) {
			ResultSet rows = statement.executeQuery("SELECT system_identifier::text FROM pg_control_system()");
			rows.next();
			return rows.getString(1);
		}
		catch (SQLException ex) {
			// not granted to this role: the identity is recorded without it
			return null;
		}
	}

	/**
	 * Locks the tables, exports the snapshot and lists, as of the snapshot, the tables to
	 * back up. A table created between listing and locking is locked too; one dropped in
	 * that window makes the lock fail and the listing is retried once.
	 * @param include the tables to back up (every one, or those a restore as of a time
	 * asked for)
	 */
	void lockAndExport(Duration lockTimeout, java.util.function.Predicate<TableSource> include) {
		try {
			List<TableSource> listed = SourceCatalog.tables(this.connection).stream().filter(include).toList();
			this.connection.setAutoCommit(false);
			this.connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
			try (Statement statement = this.connection.createStatement()) {
				statement.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
				// LOCK TABLE takes no snapshot, so the snapshot exported below is taken
				// after
				// every lock is held
				lock(statement, listed);
				statement.execute("SET LOCAL row_security = off");
				ResultSet rows = statement.executeQuery("SELECT pg_export_snapshot(), CASE WHEN pg_is_in_recovery()"
						+ " THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text, clock_timestamp()");
				rows.next();
				this.snapshotId = rows.getString(1);
				this.snapshot = new Snapshot(rows.getString(2), rows.getTimestamp(3).toInstant());
				this.tables = SourceCatalog.tables(this.connection).stream().filter(include).toList();
				List<TableSource> unlocked = new ArrayList<>(this.tables);
				unlocked.removeIf((t) -> listed.stream().anyMatch((l) -> l.oid() == t.oid()));
				if (!unlocked.isEmpty()) {
					lock(statement, unlocked);
				}
			}
		}
		catch (SQLException ex) {
			if ("55P03".equals(ex.getSQLState())) {
				throw new RedoubtException(ErrorCode.LOCK_TIMEOUT,
						"cannot lock the tables of source " + this.identity.name() + " within "
								+ lockTimeout.toSeconds() + " s: " + ex.getMessage(),
						"a session holds an exclusive lock (ALTER TABLE, VACUUM FULL, ...); retry later or raise the lock timeout",
						null);
			}
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot take the snapshot of source " + this.identity.name() + ": " + ex.getMessage(), ex);
		}
	}

	private static void lock(Statement statement, List<TableSource> tables) throws SQLException {
		if (!tables.isEmpty()) {
			statement.execute(
					"LOCK TABLE " + tables.stream().map(TableSource::qualifiedName).collect(Collectors.joining(", "))
							+ " IN ACCESS SHARE MODE");
		}
	}

	List<SequenceEntry> sequences() throws SQLException {
		return SourceCatalog.sequences(this.connection);
	}

	List<String> materializedViews() throws SQLException {
		return SourceCatalog.populatedMaterializedViews(this.connection);
	}

	/** The schema version at the snapshot, or {@code null} without a migrations table. */
	Manifest.SchemaVersion schemaVersion(String migrationsTable, String migrationsColumn) throws SQLException {
		return SchemaVersionReader.read(this.connection, migrationsTable, migrationsColumn);
	}

	long largeObjectCount() throws SQLException {
		return SourceCatalog.largeObjectCount(this.connection);
	}

	SourceIdentity identity() {
		return this.identity;
	}

	ServerVersion version() {
		return this.version;
	}

	String snapshotId() {
		return this.snapshotId;
	}

	Snapshot snapshot() {
		return this.snapshot;
	}

	List<TableSource> tables() {
		return this.tables;
	}

	@Override
	public void close() {
		close(this.connection);
	}

	private static void close(Connection connection) {
		try {
			connection.close();
		}
		catch (SQLException ex) {
			// closing ends the transaction; nothing else to do
		}
	}

}
