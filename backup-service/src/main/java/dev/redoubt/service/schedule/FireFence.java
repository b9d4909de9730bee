package dev.redoubt.service.schedule;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import javax.sql.DataSource;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.repository.CommitFence;

/**
 * Fencing of scheduled backups across replicas, in the metadata database. Each fire of a
 * backup schedule has a row whose token grows each time a replica takes the fire on (the
 * first run, or a recovery after its replica was presumed dead). A backup commits its
 * manifest only if, right before, it can mark the row committed with the token it was
 * given: a replica that was paused, not dead, and wakes up after another took over finds
 * a newer token and writes no manifest. A fire whose row is committed is never run again,
 * so a fire ends with at most one backup.
 *
 * <p>
 * The row is the commit point: marking it committed also stores the signed manifest,
 * until the backup's writer has written it in every region ({@link #finished}). A replica
 * that dies in between leaves a {@linkplain #pendingCommit pending commit}, which the
 * replica that recovers the fire finishes, so the fire still ends with exactly one
 * complete backup.
 */
@Component
public class FireFence {

	static final String SCHEMA = """
			CREATE TABLE IF NOT EXISTS redoubt_fire (
			  fire_key VARCHAR(300) NOT NULL PRIMARY KEY, job VARCHAR(100) NOT NULL, source VARCHAR(200) NOT NULL,
			  owner VARCHAR(200) NOT NULL, token BIGINT NOT NULL, state VARCHAR(16) NOT NULL,
			  backup_id VARCHAR(64), updated_at VARCHAR(40) NOT NULL)""";

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	public FireFence(DataSource dataSource, PlatformTransactionManager transactions) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transactions = new TransactionTemplate(transactions);
	}

	/** A committed fire whose manifest is not yet in every region. */
	public record PendingCommit(String job, String source, String backupId, byte[] manifest) {
	}

	public void createSchema() {
		this.jdbc.execute(SCHEMA);
		// added after the first release: metadata databases created before lack it
		this.jdbc.execute("ALTER TABLE redoubt_fire ADD COLUMN IF NOT EXISTS manifest BYTEA");
	}

	/**
	 * Takes the fire on for {@code owner}: its new token, or empty if the fire already
	 * committed a backup (nothing to run).
	 */
	public OptionalLong acquire(String fireKey, String job, String source, String owner) {
		for (int attempt = 0;; attempt++) {
			try {
				return this.transactions.execute((status) -> {
					List<String[]> rows = this.jdbc.query(
							"SELECT token, state FROM redoubt_fire WHERE fire_key = ? FOR UPDATE",
							(row, n) -> new String[] { row.getString(1), row.getString(2) }, fireKey);
					if (rows.isEmpty()) {
						this.jdbc.update(
								"INSERT INTO redoubt_fire (fire_key, job, source, owner, token, state, updated_at)"
										+ " VALUES (?, ?, ?, ?, 1, 'running', ?)",
								fireKey, job, source, owner, Instant.now().toString());
						return OptionalLong.of(1);
					}
					if ("committed".equals(rows.get(0)[1])) {
						return OptionalLong.empty();
					}
					long token = Long.parseLong(rows.get(0)[0]) + 1;
					this.jdbc.update(
							"UPDATE redoubt_fire SET token = ?, owner = ?, state = 'running', updated_at = ? WHERE fire_key = ?",
							token, owner, Instant.now().toString(), fireKey);
					return OptionalLong.of(token);
				});
			}
			catch (DuplicateKeyException ex) {
				// another replica inserted the row first: read it again
				if (attempt > 2) {
					throw ex;
				}
			}
		}
	}

	/** The fence a backup of this fire checks before its manifest. */
	public CommitFence guard(String fireKey, long token) {
		return (source, id, manifest) -> {
			int updated = this.jdbc.update(
					"UPDATE redoubt_fire SET state = 'committed', backup_id = ?, manifest = ?, updated_at = ?"
							+ " WHERE fire_key = ? AND token = ? AND state = 'running'",
					id.value(), manifest, Instant.now().toString(), fireKey, token);
			if (updated != 1) {
				throw new RedoubtException(ErrorCode.FENCED,
						"backup " + id + " of source " + source + " not committed: another replica took fire " + fireKey
								+ " over (this one was presumed dead)");
			}
		};
	}

	/**
	 * Marks a fire whose backup failed before committing (a recovery may run it again).
	 */
	public void failed(String fireKey, long token) {
		this.jdbc.update("UPDATE redoubt_fire SET state = 'failed', updated_at = ? WHERE fire_key = ? AND token = ?"
				+ " AND state = 'running'", Instant.now().toString(), fireKey, token);
	}

	/** The fire's backup is complete in every region: its manifest need not be kept. */
	public void finished(String fireKey) {
		this.jdbc.update("UPDATE redoubt_fire SET manifest = NULL WHERE fire_key = ? AND state = 'committed'", fireKey);
	}

	/** The commit of a fire whose writer may have died before its last manifest. */
	public Optional<PendingCommit> pendingCommit(String fireKey) {
		return this.jdbc.query(
				"SELECT job, source, backup_id, manifest FROM redoubt_fire WHERE fire_key = ? AND state = 'committed'"
						+ " AND manifest IS NOT NULL",
				(row, n) -> new PendingCommit(row.getString(1), row.getString(2), row.getString(3), row.getBytes(4)),
				fireKey)
			.stream()
			.findFirst();
	}

	/** The backup a fire committed, if any. */
	public Optional<String> committedBackup(String fireKey) {
		return this.jdbc
			.query("SELECT backup_id FROM redoubt_fire WHERE fire_key = ? AND state = 'committed'",
					(row, n) -> row.getString(1), fireKey)
			.stream()
			.findFirst();
	}

}
