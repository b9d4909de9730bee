package dev.redoubt.service.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.List;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The catalog in the metadata database: per source, a copy of its repository's backups,
 * verifications and WAL windows, replaced as a whole whenever the service rescans the
 * source. Times are stored as ISO-8601 UTC text, which sorts and reads the same in H2 and
 * PostgreSQL.
 */
@Component
public class CatalogStore {

	private static final String[] SCHEMA = { """
			CREATE TABLE IF NOT EXISTS redoubt_backup (
			  source VARCHAR(200) NOT NULL, backup_id VARCHAR(64) NOT NULL, type VARCHAR(16) NOT NULL,
			  status VARCHAR(16) NOT NULL, started_at VARCHAR(40) NOT NULL, completed_at VARCHAR(40) NOT NULL,
			  stored_bytes BIGINT NOT NULL, row_count BIGINT NOT NULL, PRIMARY KEY (source, type, backup_id))""", """
			CREATE TABLE IF NOT EXISTS redoubt_verification (
			  source VARCHAR(200) NOT NULL, backup_id VARCHAR(64) NOT NULL, region VARCHAR(200) NOT NULL,
			  finished_at VARCHAR(40) NOT NULL, verified BOOLEAN NOT NULL, restore_seconds DOUBLE PRECISION NOT NULL,
			  failed_checks VARCHAR(2000) NOT NULL, PRIMARY KEY (source, backup_id, region, finished_at))""", """
			CREATE TABLE IF NOT EXISTS redoubt_wal_window (
			  source VARCHAR(200) NOT NULL, timeline INT NOT NULL, first_segment VARCHAR(24) NOT NULL,
			  last_segment VARCHAR(24) NOT NULL, segments INT NOT NULL, PRIMARY KEY (source, timeline))""" };

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	public CatalogStore(DataSource dataSource,
			org.springframework.transaction.PlatformTransactionManager transactions) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.transactions = new TransactionTemplate(transactions);
	}

	/** Creates the catalog's tables where they are missing. */
	public void createSchema() {
		for (String statement : SCHEMA) {
			this.jdbc.execute(statement);
		}
	}

	/** Replaces everything known about the source by {@code entries}, atomically. */
	public void replace(CatalogEntries entries) {
		String source = entries.source();
		this.transactions.executeWithoutResult((status) -> {
			this.jdbc.update("DELETE FROM redoubt_backup WHERE source = ?", source);
			this.jdbc.update("DELETE FROM redoubt_verification WHERE source = ?", source);
			this.jdbc.update("DELETE FROM redoubt_wal_window WHERE source = ?", source);
			for (CatalogEntries.Backup backup : entries.backups()) {
				this.jdbc.update("INSERT INTO redoubt_backup VALUES (?, ?, ?, ?, ?, ?, ?, ?)", source, backup.id(),
						backup.type(), backup.status(), backup.startedAt().toString(), backup.completedAt().toString(),
						backup.storedBytes(), backup.rows());
			}
			for (CatalogEntries.Verification verification : entries.verifications()) {
				this.jdbc.update("INSERT INTO redoubt_verification VALUES (?, ?, ?, ?, ?, ?, ?)", source,
						verification.backupId(), verification.region(), verification.finishedAt().toString(),
						verification.verified(), verification.restoreSeconds(),
						String.join(",", verification.failedChecks()));
			}
			for (CatalogEntries.WalWindow window : entries.wal()) {
				this.jdbc.update("INSERT INTO redoubt_wal_window VALUES (?, ?, ?, ?, ?)", source, window.timeline(),
						window.first(), window.last(), window.segments());
			}
		});
	}

	/** Forgets every source (before a rebuild). */
	public void clear() {
		this.transactions.executeWithoutResult((status) -> {
			this.jdbc.update("DELETE FROM redoubt_backup");
			this.jdbc.update("DELETE FROM redoubt_verification");
			this.jdbc.update("DELETE FROM redoubt_wal_window");
		});
	}

	/** What the catalog holds about a source. */
	public CatalogEntries read(String source) {
		List<CatalogEntries.Backup> backups = this.jdbc.query(
				"SELECT * FROM redoubt_backup WHERE source = ? ORDER BY backup_id DESC", CatalogStore::backup, source);
		List<CatalogEntries.Verification> verifications = this.jdbc.query(
				"SELECT * FROM redoubt_verification WHERE source = ? ORDER BY backup_id DESC, finished_at",
				CatalogStore::verification, source);
		List<CatalogEntries.WalWindow> wal = this.jdbc.query(
				"SELECT * FROM redoubt_wal_window WHERE source = ? ORDER BY timeline", CatalogStore::walWindow, source);
		return new CatalogEntries(source, backups, verifications, wal);
	}

	/**
	 * What the catalog holds about every source, in three queries whatever the fleet's
	 * size (the dashboard's fleet page); a source it holds nothing of is absent.
	 */
	public Map<String, CatalogEntries> readAll() {
		Map<String, List<CatalogEntries.Backup>> backups = new HashMap<>();
		this.jdbc.query("SELECT * FROM redoubt_backup ORDER BY source, backup_id DESC",
				(RowCallbackHandler) (row) -> backups.computeIfAbsent(row.getString("source"), (k) -> new ArrayList<>())
					.add(backup(row, 0)));
		Map<String, List<CatalogEntries.Verification>> verifications = new HashMap<>();
		this.jdbc.query("SELECT * FROM redoubt_verification ORDER BY source, backup_id DESC, finished_at",
				(RowCallbackHandler) (row) -> verifications
					.computeIfAbsent(row.getString("source"), (k) -> new ArrayList<>())
					.add(verification(row, 0)));
		Map<String, List<CatalogEntries.WalWindow>> wal = new HashMap<>();
		this.jdbc.query("SELECT * FROM redoubt_wal_window ORDER BY source, timeline",
				(RowCallbackHandler) (row) -> wal.computeIfAbsent(row.getString("source"), (k) -> new ArrayList<>())
					.add(walWindow(row, 0)));
		Map<String, CatalogEntries> all = new HashMap<>();
		Set<String> sources = new HashSet<>(backups.keySet());
		sources.addAll(verifications.keySet());
		sources.addAll(wal.keySet());
		for (String source : sources) {
			all.put(source, new CatalogEntries(source, backups.getOrDefault(source, List.of()),
					verifications.getOrDefault(source, List.of()), wal.getOrDefault(source, List.of())));
		}
		return all;
	}

	private static CatalogEntries.Backup backup(ResultSet row, int number) throws SQLException {
		return new CatalogEntries.Backup(row.getString("backup_id"), row.getString("type"), row.getString("status"),
				Instant.parse(row.getString("started_at")), Instant.parse(row.getString("completed_at")),
				row.getLong("stored_bytes"), row.getLong("row_count"));
	}

	private static CatalogEntries.WalWindow walWindow(ResultSet row, int number) throws SQLException {
		return new CatalogEntries.WalWindow(row.getInt("timeline"), row.getString("first_segment"),
				row.getString("last_segment"), row.getInt("segments"));
	}

	private static CatalogEntries.Verification verification(ResultSet row, int number) throws SQLException {
		String failed = row.getString("failed_checks");
		return new CatalogEntries.Verification(row.getString("backup_id"), row.getString("region"),
				Instant.parse(row.getString("finished_at")), row.getBoolean("verified"),
				row.getDouble("restore_seconds"), failed.isEmpty() ? List.of() : Arrays.asList(failed.split(",")));
	}

}
