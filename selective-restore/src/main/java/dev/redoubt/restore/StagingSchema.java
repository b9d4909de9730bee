package dev.redoubt.restore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;

/**
 * A schema of the target where tables are built by several sessions at once before they
 * are moved, in one transaction, to where the restore puts them: until that commit no
 * restored table is visible under its destination name, and on any failure the schema is
 * dropped with everything in it. Its session holds an advisory lock for as long as the
 * schema is in use, so a later restore can tell the staging schema of a killed run (no
 * one holds its lock) from one in progress, and drops the former.
 */
final class StagingSchema implements AutoCloseable {

	static final String PREFIX = "redoubt_staging_";

	/** First key of the advisory locks ("RD"), the second is the schema name's hash. */
	private static final int LOCK_CLASS = 0x5244;

	private static final Logger log = LoggerFactory.getLogger(StagingSchema.class);

	private final Connection owner;

	private final String name;

	private boolean moved;

	private StagingSchema(Connection owner, String name) {
		this.owner = owner;
		this.name = name;
	}

	/**
	 * Removes the staging schemas of killed runs, then creates a new one (committed, so
	 * other sessions can load into it) and keeps its lock on {@code owner}.
	 */
	static StagingSchema create(ConnectionSpec target) {
		String name = PREFIX + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
		Connection owner = null;
		try {
			owner = target.open("redoubt table restore (staging)");
			removeAbandoned(owner);
			try (PreparedStatement lock = owner.prepareStatement("SELECT pg_advisory_lock(?, hashtext(?))")) {
				lock.setInt(1, LOCK_CLASS);
				lock.setString(2, name);
				lock.execute();
			}
			try (Statement statement = owner.createStatement()) {
				statement.execute("CREATE SCHEMA " + TableEntry.quote(name));
			}
			return new StagingSchema(owner, name);
		}
		catch (SQLException ex) {
			if (owner != null) {
				close(owner);
			}
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"cannot create a staging schema in database " + target.database() + ": " + ex.getMessage(),
					"the role needs CREATE on the database", ex);
		}
	}

	String name() {
		return this.name;
	}

	/** The session holding the schema's lock; a transaction on it is the caller's. */
	Connection owner() {
		return this.owner;
	}

	/**
	 * Moves the tables (with their indexes, constraints and owned sequences) into their
	 * destination schemas; part of the caller's transaction on {@link #owner()}.
	 */
	void moveInto(List<QualifiedName> tables) throws SQLException {
		try (Statement statement = this.owner.createStatement()) {
			for (QualifiedName table : tables) {
				statement.execute("CREATE SCHEMA IF NOT EXISTS " + TableEntry.quote(table.schema()));
				statement.execute("ALTER TABLE " + TableEntry.quote(this.name) + "." + TableEntry.quote(table.name())
						+ " SET SCHEMA " + TableEntry.quote(table.schema()));
			}
		}
		this.moved = true;
	}

	/** Drops the schema (and, if the tables were not moved out, them), and its lock. */
	@Override
	public void close() {
		try {
			if (!this.owner.getAutoCommit()) {
				this.owner.rollback();
				this.owner.setAutoCommit(true);
			}
			try (Statement statement = this.owner.createStatement()) {
				statement
					.execute("DROP SCHEMA IF EXISTS " + TableEntry.quote(this.name) + (this.moved ? "" : " CASCADE"));
			}
		}
		catch (SQLException ex) {
			log.warn("could not drop the staging schema {}: {}; the next table restore into this database drops it",
					this.name, ex.getMessage());
		}
		finally {
			close(this.owner);
		}
	}

	/** Drops staging schemas whose lock no session holds: their restore was killed. */
	private static void removeAbandoned(Connection connection) throws SQLException {
		List<String> staging = new ArrayList<>();
		try (PreparedStatement query = connection
			.prepareStatement("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ?)")) {
			query.setString(1, PREFIX);
			try (ResultSet rows = query.executeQuery()) {
				while (rows.next()) {
					staging.add(rows.getString(1));
				}
			}
		}
		for (String schema : staging) {
			boolean abandoned;
			try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
				lock.setInt(1, LOCK_CLASS);
				lock.setString(2, schema);
				try (ResultSet rows = lock.executeQuery()) {
					rows.next();
					abandoned = rows.getBoolean(1);
				}
			}
			if (!abandoned) {
				continue;
			}
			try (Statement statement = connection.createStatement()) {
				log.warn("dropping the staging schema {} of a table restore that did not finish", schema);
				statement.execute("DROP SCHEMA IF EXISTS " + TableEntry.quote(schema) + " CASCADE");
			}
			catch (SQLException ex) {
				log.warn("cannot drop the abandoned staging schema {}: {}", schema, ex.getMessage());
			}
			finally {
				try (PreparedStatement unlock = connection
					.prepareStatement("SELECT pg_advisory_unlock(?, hashtext(?))")) {
					unlock.setInt(1, LOCK_CLASS);
					unlock.setString(2, schema);
					unlock.execute();
				}
			}
		}
	}

	private static void close(Connection connection) {
		try {
			connection.close();
		}
		catch (SQLException ex) {
			// the session ends; its advisory lock with it
		}
	}

}
