package dev.redoubt.service.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

/**
 * A source {@code shop} whose WAL a running {@code redoubt wal-archiver} archives to two
 * regions, for the tests of recovery to a point in time: the configuration file, the
 * archiver, and waits for a segment to reach both regions. Chunks are cut at 256 KB, so
 * what a restore fetches follows what it needs closely.
 */
final class ArchivedSource implements AutoCloseable {

	static final String SOURCE = "shop";

	private final PostgresExtension pg;

	private final S3RegionsExtension s3;

	private final String prefix;

	private final Path work;

	private final Path config;

	private final Process archiver;

	private ArchivedSource(PostgresExtension pg, S3RegionsExtension s3, String prefix, Path work, Path config,
			Process archiver) {
		this.pg = pg;
		this.s3 = s3;
		this.prefix = prefix;
		this.work = work;
		this.config = config;
		this.archiver = archiver;
	}

	/**
	 * Writes the configuration (regions eu and us, at {@code eu} and {@code us}, which
	 * may be proxies), creates database {@code shop}, starts the archiver and points
	 * PostgreSQL's archive_command at it.
	 */
	static ArchivedSource start(PostgresExtension pg, S3RegionsExtension s3, String prefix, URI eu, URI us)
			throws Exception {
		Path work = Files.createTempDirectory("redoubt-" + prefix + "-");
		// the server (as postgres when we are root) runs the client and reaches the spool
		Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
		Path tools = Files.createDirectories(work.resolve("tools"));
		Files.setPosixFilePermissions(tools, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path client = tools.resolve("redoubt-wal.sh");
		try (InputStream script = WalArchive.class.getResourceAsStream("redoubt-wal.sh")) {
			Files.write(client, script.readAllBytes());
		}
		Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path spool = work.resolve("spool");
		Path keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		Path config = work.resolve("redoubt.yaml");
		Files.writeString(config, """
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				  repositories:
				    - { name: eu, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: %8$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				    - { name: us, endpoint: "%6$s", region: us-east-1, bucket: %4$s, prefix: %8$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				  encryption:
				    key-file: %7$s
				  backup:
				    chunk-size: 256KB
				  restore:
				    jobs: 2
				""".formatted(pg.cluster().port(), password, eu, S3RegionsExtension.BUCKET, s3.secretKey().reveal(), us,
				keyFile, prefix));
		pg.createDatabase(SOURCE);
		Path heartbeat = spool.resolve("heartbeat");
		Process archiver = CliProcess.start(config, work.resolve("archiver.log"), List.of(), "wal-archiver", "--source",
				SOURCE, "--spool", spool.toString(), "--jobs", "2", "--data-dir",
				pg.cluster().dataDirectory().toString());
		ArchivedSource source = new ArchivedSource(pg, s3, prefix, work, config, archiver);
		source.await(() -> Files.exists(heartbeat), "the archiver is up");
		pg.sql("postgres",
				"ALTER SYSTEM SET archive_command = '" + client + " wal-push --spool " + spool + " --timeout 20 %p'");
		pg.sql("postgres", "SELECT pg_reload_conf()");
		return source;
	}

	Path config() {
		return this.config;
	}

	Path work() {
		return this.work;
	}

	/**
	 * Switches to a new segment and waits until the one written last is in both regions.
	 */
	void switchAndAwaitArchived() throws Exception {
		String segment = scalar("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
		scalar("SELECT pg_switch_wal()::text");
		await(() -> archived("eu", segment) && archived("us", segment), "segment " + segment + " archived");
	}

	private boolean archived(String region, String segment) {
		return Files.exists(this.s3.objectDirectory(region, this.prefix).resolve(WalArchive.key(SOURCE, segment)));
	}

	/** The server's clock now, as --as-of takes it. */
	String now() throws Exception {
		return scalar("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
	}

	/** Row count and an md5 of every row, rows in text order. */
	String fingerprint(String table) throws Exception {
		return scalar("SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM "
				+ table + " t");
	}

	String scalar(String sql) throws Exception {
		try (Connection connection = this.pg.connection(SOURCE).open("test");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

	private void await(Await.Condition condition, String what) throws Exception {
		// generous: after three failures PostgreSQL's archiver retries a minute later
		Await.until(Duration.ofSeconds(240), condition, what, () -> {
			try {
				String log = Files.readString(this.work.resolve("archiver.log"));
				return "archiver log:\n" + log.substring(Math.max(0, log.length() - 4000));
			}
			catch (IOException ex) {
				return "no archiver log: " + ex.getMessage();
			}
		});
	}

	@Override
	public void close() {
		this.archiver.destroy();
		DirectoryTree.delete(this.work);
	}

}
