package dev.redoubt.service.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;

import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.testing.PostgresExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history checker of the fault tests: for each backup a run acknowledged (exit 0),
 * the per-table content hashes of the source as the backup saw it (the source does not
 * change while a backup runs in these tests); after a fault schedule, every backup the
 * repository lists as restorable must be one of them, and must restore to exactly those
 * hashes. A backup listed that no run acknowledged, or one that restores to other
 * content, is a broken promise. A backup a test damaged on purpose in every region must
 * fail to restore with exit 11 (corrupt object), never restore to anything.
 */
final class History {

	private static final AtomicInteger DATABASES = new AtomicInteger();

	private final PostgresExtension pg;

	private final String database;

	private final String source;

	private final Map<String, Map<String, String>> acknowledged = new ConcurrentHashMap<>();

	private final java.util.Set<String> damaged = ConcurrentHashMap.newKeySet();

	/** The history of source {@code source}, a backup of database {@code database}. */
	History(PostgresExtension pg, String database, String source) {
		this.pg = pg;
		this.database = database;
		this.source = source;
	}

	/**
	 * Records a backup a run reported taken ({@code --output json}), with the source's
	 * content now.
	 */
	String acknowledge(CliProcess.Run backup) {
		assertThat(backup.exit()).as(backup.all()).isZero();
		return acknowledge(backup.out().replaceAll("(?s).*\"backupId\" : \"([^\"]+)\".*", "$1"));
	}

	/**
	 * Records backup {@code id}, which a run reported taken, with the source's content
	 * now.
	 */
	String acknowledge(String id) {
		this.acknowledged.put(id, hashes(this.pg.connection(this.database)));
		return id;
	}

	/** Records that the test damaged backup {@code id} in every region. */
	void damaged(String id) {
		this.damaged.add(id);
	}

	/**
	 * Lists the repository with {@code config} and restores every restorable backup into
	 * a new database, comparing each table's content with what was acknowledged.
	 * @return how many backups were checked
	 */
	int check(Path config, String context) throws Exception {
		CliProcess.Run info = CliProcess.run(config, "info", "--source", this.source, "--output", "json");
		assertThat(info.exit()).as(context + ": " + info.all()).isZero();
		JsonNode listed = ManifestCodec.json().readTree(info.out()).path("backups");
		List<String> restorable = new ArrayList<>();
		listed.forEach((backup) -> {
			String status = backup.path("status").asString();
			if (status.equals("complete") || status.equals("degraded")) {
				restorable.add(backup.path("id").asString());
			}
		});
		assertThat(this.acknowledged.keySet()).as(context + ": every listed backup was acknowledged by its run")
			.containsAll(restorable);
		for (String id : restorable) {
			ConnectionSpec target = this.pg.createDatabase("history_" + DATABASES.incrementAndGet());
			CliProcess.Run restore = CliProcess.run(config, "restore", "--source", this.source, "--backup", id,
					"--target", target.url());
			if (this.damaged.contains(id)) {
				assertThat(restore.exit()).as(context + ": damaged backup " + id + " fails: " + restore.all())
					.isEqualTo(11);
				continue;
			}
			assertThat(restore.exit()).as(context + ": listed backup " + id + " restores: " + restore.all()).isZero();
			assertThat(hashes(target)).as(context + ": backup " + id + " restores to the content it was taken with")
				.isEqualTo(this.acknowledged.get(id));
		}
		return restorable.size();
	}

	/** Each user table's content hash (md5 of its rows as text, in order). */
	static Map<String, String> hashes(ConnectionSpec database) {
		Map<String, String> hashes = new TreeMap<>();
		try (Connection connection = database.open("history"); Statement statement = connection.createStatement()) {
			List<String> tables = new ArrayList<>();
			try (ResultSet rows = statement.executeQuery("SELECT format('%I.%I', table_schema, table_name)"
					+ " FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
					+ " AND table_schema NOT IN ('pg_catalog', 'information_schema')")) {
				while (rows.next()) {
					tables.add(rows.getString(1));
				}
			}
			for (String table : tables) {
				try (ResultSet rows = statement
					.executeQuery("SELECT count(*) || ':' || md5(coalesce(string_agg(t::text,"
							+ " E'\\n' ORDER BY t::text), '')) FROM " + table + " t")) {
					rows.next();
					hashes.put(table, rows.getString(1));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot hash " + database.display() + ": " + ex.getMessage(), ex);
		}
		return hashes;
	}

}
