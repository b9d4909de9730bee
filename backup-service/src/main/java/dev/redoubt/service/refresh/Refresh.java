package dev.redoubt.service.refresh;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.BackupListing;
import dev.redoubt.core.repository.BackupStatus;
import dev.redoubt.core.repository.CrashPoint;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.mask.Masking;

/**
 * Refreshes an environment's database (a QAT or DEV copy) from the newest verified backup
 * of a source, masked:
 * <ol>
 * <li>the masked restore goes into a database of its own beside the environment's
 * ({@code <database>__redoubt_refresh}), strict whatever the policy says;</li>
 * <li>the copy is verified: each table's row count as the manifest records it, every
 * constraint valid, and no masked value equal to its original;</li>
 * <li>only then are the two swapped, in one transaction
 * ({@code ALTER DATABASE ... RENAME} twice; the environment's sessions are ended first),
 * and the old copy dropped.</li>
 * </ol>
 * A refresh that fails, or dies, before the swap leaves the environment's database as it
 * was; the next refresh drops what one left.
 */
public final class Refresh {

	private static final Logger log = LoggerFactory.getLogger(Refresh.class);

	private static final String SCRATCH = "__redoubt_refresh";

	private static final String PREVIOUS = "__redoubt_previous";

	/**
	 * @param backupId the backup restored
	 * @param database the environment's database, now the masked copy
	 * @param tables tables restored
	 * @param rows rows restored
	 * @param replaced whether an earlier copy was replaced
	 * @param took the whole refresh
	 */
	public record Result(String backupId, String database, int tables, long rows, boolean replaced, Duration took) {
	}

	private final Repository repository;

	private final Clock clock;

	public Refresh(Repository repository, Clock clock) {
		this.repository = repository;
		this.clock = clock;
	}

	public Result run(String source, ConnectionSpec environment, Masking masking, int jobs) {
		Instant started = this.clock.instant();
		BackupId id = newestVerified(source);
		String database = environment.database();
		String scratch = beside(database, SCRATCH);
		String previous = beside(database, PREVIOUS);
		ConnectionSpec maintenance = environment.withDatabase("postgres");
		log.info("refreshing database {} from backup {} of source {}", database, id, source);
		execute(maintenance, "DROP DATABASE IF EXISTS " + quote(scratch) + " WITH (FORCE)");
		execute(maintenance, "DROP DATABASE IF EXISTS " + quote(previous) + " WITH (FORCE)");
		execute(maintenance, "CREATE DATABASE " + quote(scratch));
		Masking strict = new Masking(masking.policy().strict(true), masking.key(), masking.unchanged());
		ConnectionSpec copy = environment.withDatabase(scratch);
		Manifest manifest = this.repository.readManifest(source, id);
		try {
			new RestoreEngine(this.repository, this.clock).restoreFull(
					RestoreRequest.full(source).backup(id).target(copy).mask(strict).noOwner(true).jobs(jobs).build());
			verify(copy, manifest, strict);
		}
		catch (RuntimeException ex) {
			execute(maintenance, "DROP DATABASE IF EXISTS " + quote(scratch) + " WITH (FORCE)");
			throw ex;
		}
		CrashPoint.fromSystemProperty().reached(CrashPoint.REFRESH_BEFORE_SWAP);
		boolean replaced = swap(maintenance, database, scratch, previous);
		execute(maintenance, "DROP DATABASE IF EXISTS " + quote(previous) + " WITH (FORCE)");
		Result result = new Result(id.value(), database, manifest.tables().size(),
				manifest.tables().stream().mapToLong(TableEntry::rows).sum(), replaced,
				Duration.between(started, this.clock.instant()));
		log.info("database {} refreshed from backup {}: {} tables, {} rows, masked and verified", database, id,
				result.tables(), result.rows());
		return result;
	}

	/** The newest backup whose newest verification passed. */
	private BackupId newestVerified(String source) {
		List<BackupListing> listings = new ArrayList<>(this.repository.list(source));
		listings.sort((a, b) -> b.id().value().compareTo(a.id().value()));
		for (BackupListing listing : listings) {
			if (listing.status() == BackupStatus.INCOMPLETE) {
				continue;
			}
			if (VerificationRecord.newestVerified(this.repository.verifications(source, listing.id()))) {
				return listing.id();
			}
		}
		throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
				"source " + source + " has no verified backup to refresh from; nothing was changed",
				"verify one first: redoubt verify --source " + source + " --backup latest", null);
	}

	/**
	 * The copy's proof: as many rows in each table as the manifest records, every
	 * constraint valid, no masked value equal to its original.
	 */
	private static void verify(ConnectionSpec copy, Manifest manifest, Masking masking) {
		List<String> problems = new ArrayList<>();
		try (Connection db = copy.open("redoubt refresh")) {
			for (TableEntry table : manifest.tables()) {
				try (Statement statement = db.createStatement();
						ResultSet row = statement.executeQuery("SELECT count(*) FROM ONLY " + table.qualifiedName())) {
					row.next();
					if (row.getLong(1) != table.rows()) {
						problems.add(table.qualifiedName() + " holds " + row.getLong(1) + " rows, the backup "
								+ table.rows());
					}
				}
			}
			try (Statement statement = db.createStatement();
					ResultSet row = statement
						.executeQuery("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")) {
				row.next();
				if (row.getLong(1) > 0) {
					problems.add(row.getLong(1) + " constraint(s) not valid");
				}
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"cannot verify the refreshed copy: " + ex.getMessage(), ex);
		}
		if (masking.unchangedValues() > 0) {
			problems.add(masking.unchangedValues() + " masked value(s) came out equal to their original");
		}
		if (!problems.isEmpty()) {
			throw new RedoubtException(
					ErrorCode.VERIFICATION_FAILED, "the refreshed copy failed its checks: "
							+ String.join("; ", problems) + "; the environment's database was left as it was",
					null, null);
		}
	}

	/**
	 * Ends the sessions on both databases, then renames the environment's away and the
	 * copy into its place in one transaction.
	 * @return whether there was an environment's database to replace
	 */
	private static boolean swap(ConnectionSpec maintenance, String database, String scratch, String previous) {
		try (Connection db = maintenance.open("redoubt refresh")) {
			boolean exists;
			try (PreparedStatement query = db.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ?")) {
				query.setString(1, database);
				try (ResultSet row = query.executeQuery()) {
					row.next();
					exists = row.getLong(1) > 0;
				}
			}
			try (Statement statement = db.createStatement()) {
				if (exists) {
					// a database in use cannot be renamed: no new sessions, the others
					// ended
					statement.execute("ALTER DATABASE " + quote(database) + " ALLOW_CONNECTIONS false");
					try {
						endSessions(db, database);
					}
					catch (SQLException | RuntimeException ex) {
						statement.execute("ALTER DATABASE " + quote(database) + " ALLOW_CONNECTIONS true");
						throw ex;
					}
				}
				db.setAutoCommit(false);
				if (exists) {
					statement.execute("ALTER DATABASE " + quote(database) + " RENAME TO " + quote(previous));
				}
				statement.execute("ALTER DATABASE " + quote(scratch) + " RENAME TO " + quote(database));
				db.commit();
			}
			return exists;
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "cannot put the refreshed copy in place of "
					+ database + " (it is as it was; the copy is " + scratch + "): " + ex.getMessage(), ex);
		}
	}

	/**
	 * Ends every session on {@code database} and waits (10 s at most) until they are
	 * gone.
	 */
	private static void endSessions(Connection db, String database) throws SQLException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		try (PreparedStatement end = db
			.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
					+ "WHERE datname = ? AND pid <> pg_backend_pid()")) {
			end.setString(1, database);
			while (true) {
				try (Statement clear = db.createStatement()) {
					clear.execute("SELECT pg_stat_clear_snapshot()");
				}
				try (ResultSet row = end.executeQuery()) {
					row.next();
					if (row.getLong(1) == 0) {
						return;
					}
				}
				if (System.nanoTime() > deadline) {
					throw new RedoubtException(ErrorCode.SOURCE_BUSY,
							"sessions on " + database + " did not end within 10 s; it is as it was");
				}
				try {
					Thread.sleep(100);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while ending sessions");
				}
			}
		}
	}

	/**
	 * A database name beside {@code database}: its name (cut to fit 63 bytes) and a
	 * suffix.
	 */
	static String beside(String database, String suffix) {
		String base = database;
		while (base.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + suffix.length() > 63) {
			base = base.substring(0, base.length() - 1);
		}
		return base + suffix;
	}

	static String quote(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

	private static void execute(ConnectionSpec maintenance, String sql) {
		try (Connection db = maintenance.open("redoubt refresh"); Statement statement = db.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"refresh: " + sql + " failed on the environment's server: " + ex.getMessage(), ex);
		}
	}

}
