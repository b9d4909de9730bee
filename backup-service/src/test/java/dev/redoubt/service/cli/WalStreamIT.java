package dev.redoubt.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

/**
 * {@code wal-stream} against a real PostgreSQL (no archive_command at all: the stream is
 * the only way WAL reaches the archive) and two S3Proxy regions: a commit in the segment
 * still being written is in every region within a pass, and a drill from the surviving
 * region recovers it; a stream killed while the server writes several segments loses none
 * (the slot kept them) and the archive is continuous; a hostile slot name and a second
 * stream into the same directory are refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalStreamIT {

	private static final Pattern ARCHIVED = Pattern
		.compile("redoubt_wal_stream_archived_position_bytes\\{source=\"shop\"} ([0-9.E+]+)");

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("stream-" + Long.toHexString(System.nanoTime())),
			List.of("wal_level=replica", "max_wal_senders=4", "max_replication_slots=4", "max_slot_wal_keep_size=1GB"));

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path config;

	static Path dir;

	static Process stream;

	@BeforeAll
	static void start() throws Exception {
		work = Files.createTempDirectory("redoubt-stream-");
		dir = work.resolve("received");
		config = TwoRegionConfig.write(work, pg, s3, "shop", "shop", "stream", "");
		pg.createDatabase("shop");
		pg.sql("shop", """
				CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);
				INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 5000) g;
				CREATE TABLE markers (label text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());
				""");
		stream = startStream();
		// as with archive_command: the stream first, then the base backup whose WAL it
		// archives
		awaitUntil(() -> "t".equals(scalar("SELECT count(*) = 1 FROM pg_replication_slots WHERE active")),
				"pg_receivewal streams on the slot");
		CliProcess.Run backup = CliProcess.run(config, "backup", "--source", "shop", "--type", "base");
		assertThat(backup.exit()).as(backup.all()).isZero();
	}

	private static Process startStream() throws Exception {
		return CliProcess.start(config, work.resolve("stream.log"), List.of(), "wal-stream", "--source", "shop",
				"--dir", dir.toString(), "--interval", "500ms");
	}

	@AfterAll
	static void stop() throws Exception {
		if (stream != null) {
			stream.destroy();
			stream.waitFor(60, TimeUnit.SECONDS);
		}
		DirectoryTree.delete(work);
	}

	@Test
	@Order(1)
	void aCommitInTheSegmentBeingWrittenIsInEveryRegionAndADrillRecoversIt() throws Exception {
		Instant at = Instant.parse(scalar("INSERT INTO markers (label) VALUES ('streamed') "
				+ "RETURNING to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
		long lsn = WalNames.parseLsn(scalar("SELECT pg_current_wal_insert_lsn()::text"));
		String segment = scalar("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
		awaitUntil(() -> archivedPosition() >= lsn, "the stream has the commit in every region");
		for (String region : List.of("eu", "us")) {
			assertThat(object(region, WalArchive.key("shop", segment)))
				.as("no segment switch archived it whole (LSN %s in %s)", WalNames.formatLsn(lsn), segment)
				.doesNotExist();
			try (var files = Files.list(object(region, WalArchive.streamPrefix("shop")))) {
				assertThat(files.map((file) -> file.getFileName().toString()))
					.as("a snapshot of the segment being written, in " + region)
					.anyMatch((name) -> name.startsWith(segment + "-"));
			}
		}

		CliProcess.Run drill = CliProcess.run(config, "drill", "--source", "shop", "--lose-region", "eu", "--output",
				"json");
		assertThat(drill.exit()).as(drill.all()).isZero();
		JsonNode report = ManifestCodec.json().readTree(drill.out());
		Instant newest = Instant.parse(report.get("recovered").get("newestCommit").asString());
		assertThat(newest).as("the commit that only a snapshot holds was recovered").isAfterOrEqualTo(at);
	}

	@Test
	@Order(2)
	void aStreamKilledWhileTheServerWritesLosesNothing() throws Exception {
		stream.destroyForcibly();
		stream.waitFor(60, TimeUnit.SECONDS);
		List<String> written = new java.util.ArrayList<>();
		for (int i = 0; i < 3; i++) {
			pg.sql("shop", "INSERT INTO orders (note) SELECT 'while down ' || g FROM generate_series(1, 2000) g");
			written.add(scalar("SELECT pg_walfile_name(pg_current_wal_lsn())"));
			scalar("SELECT pg_switch_wal()::text");
		}
		assertThat(Long.parseLong(scalar("SELECT pg_current_wal_lsn() - restart_lsn FROM pg_replication_slots "
				+ "WHERE slot_name = 'redoubt_shop'")))
			.as("the slot keeps what nobody received")
			.isGreaterThan(0);

		stream = startStream();
		awaitUntil(
				() -> written.stream()
					.allMatch((segment) -> Files.exists(object("eu", WalArchive.key("shop", segment)))
							&& Files.exists(object("us", WalArchive.key("shop", segment)))),
				"every segment written while the stream was down archived in both regions");
		awaitUntil(() -> Files.readString(dir.resolve("metrics.prom")).contains("redoubt_wal_stream_slot_lag_bytes"),
				"the slot's lag published");
		CliProcess.Run check = CliProcess.run(config, "repo-check", "--source", "shop", "--output", "json");
		assertThat(check.exit()).as("the archive is continuous from the base backup on: " + check.all()).isZero();
	}

	@Test
	@Order(3)
	void aHostileSlotNameAndASecondStreamIntoTheSameDirectoryAreRefused() throws Exception {
		CliProcess.Run hostile = CliProcess.run(config, "wal-stream", "--source", "shop", "--dir",
				work.resolve("other").toString(), "--slot", "x'; DROP TABLE orders; --");
		assertThat(hostile.exit()).as(hostile.all()).isEqualTo(3);
		assertThat(hostile.err()).contains("is not a replication slot name");
		CliProcess.Run second = CliProcess.run(config, "wal-stream", "--source", "shop", "--dir", dir.toString());
		assertThat(second.exit()).as(second.all()).isEqualTo(32);
		assertThat(second.err()).contains("another wal-stream receives into");
		assertThat(scalar("SELECT count(*) FROM orders")).isEqualTo("11000");
	}

	private static long archivedPosition() throws Exception {
		Path metrics = dir.resolve("metrics.prom");
		if (!Files.exists(metrics)) {
			return -1;
		}
		Matcher matcher = ARCHIVED.matcher(Files.readString(metrics));
		return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : -1;
	}

	private static Path object(String region, String key) {
		return s3.objectDirectory(region, "stream").resolve(key);
	}

	private static void awaitUntil(Await.Condition condition, String what) throws Exception {
		Await.until(Duration.ofSeconds(120), condition, what, () -> {
			try {
				String log = Files.readString(work.resolve("stream.log"));
				return "wal-stream log:\n" + log.substring(Math.max(0, log.length() - 4000));
			}
			catch (java.io.IOException ex) {
				return "no wal-stream log: " + ex.getMessage();
			}
		});
	}

	private static String scalar(String sql) throws Exception {
		try (Connection connection = pg.connection("shop").open("test");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

}
