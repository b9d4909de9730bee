package dev.redoubt.service.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WAL archiving, base backups and point-in-time recovery end to end: a real PostgreSQL
 * whose {@code archive_command} is the thin {@code wal-push} client, a {@code redoubt
 * wal-archiver} process behind it, two S3Proxy regions, and {@code redoubt restore} run
 * as a user runs it. Ordered: each test leaves the archive as the next one expects.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PointInTimeRecoveryIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("pitr-" + Long.toHexString(System.nanoTime())),
			List.of("archive_mode=on", "wal_level=replica", "max_wal_size=256MB"));

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path config;

	static Path spool;

	static Path client;

	static Process archiver;

	/** Tables of the history check: each recorded at every base backup's end. */
	static final List<String> HISTORY_TABLES = List.of("customers", "orders", "markers");

	/** Base backup id to table to fingerprint, recorded right after each backup. */
	static final Map<String, Map<String, List<String>>> HISTORY = new java.util.concurrent.ConcurrentHashMap<>();

	/**
	 * Region us, behind a proxy that takes it down and brings it back on one endpoint.
	 */
	static dev.redoubt.testing.FaultProxy us;

	@BeforeAll
	static void archiveAndTakeABaseBackup() throws Exception {
		work = Files.createTempDirectory("redoubt-pitr-");
		// the server (as postgres when we are root) runs the client and reaches the spool
		Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
		Path tools = Files.createDirectories(work.resolve("tools"));
		Files.setPosixFilePermissions(tools, PosixFilePermissions.fromString("rwxr-xr-x"));
		client = tools.resolve("redoubt-wal.sh");
		try (InputStream script = WalArchive.class.getResourceAsStream("redoubt-wal.sh")) {
			Files.write(client, script.readAllBytes());
		}
		Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
		spool = work.resolve("spool");
		Path keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		us = new dev.redoubt.testing.FaultProxy(s3.region("us").endpoint());
		config = work.resolve("redoubt.yaml");
		Files.writeString(config,
				"""
						redoubt:
						  sources:
						    shop:
						      url: jdbc:postgresql://127.0.0.1:%1$d/shop
						      username: postgres
						      password-file: %2$s
						      verify:
						        smoke-queries:
						          - name: orders have customers
						            sql: SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer WHERE c.id IS NULL
						            expect: "0"
						  repositories:
						    - { name: eu, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: pitr, path-style: true,
						        access-key: redoubt-test-access, secret-key: %5$s }
						    - { name: us, endpoint: "%6$s", region: us-east-1, bucket: %4$s, prefix: pitr, path-style: true,
						        access-key: redoubt-test-access, secret-key: %5$s }
						  encryption:
						    key-file: %7$s
						  restore:
						    jobs: 2
						"""
					.formatted(pg.cluster().port(), password, s3.region("eu").endpoint(), S3RegionsExtension.BUCKET,
							s3.secretKey().reveal(), us.endpoint(), keyFile));
		pg.createDatabase("shop");
		pg.sql("shop", """
				CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
				INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
				CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				    customer int NOT NULL REFERENCES customers, amount numeric(10,2) NOT NULL, note text,
				    updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
				CREATE INDEX orders_customer ON orders (customer);
				INSERT INTO orders (customer, amount, note)
				    SELECT 1 + g % 50, (g % 997) / 10.0, 'order ' || g FROM generate_series(1, 5000) g;
				CREATE TABLE markers (label text PRIMARY KEY);
				""");
		archiver = startArchiver(List.of(), true);
		pg.sql("postgres",
				"ALTER SYSTEM SET archive_command = '" + client + " wal-push --spool " + spool + " --timeout 20 %p'");
		pg.sql("postgres", "SELECT pg_reload_conf()");
		CliProcess.Run backup = CliProcess.run(config, "backup", "--source", "shop", "--type", "base", "--output",
				"json");
		assertThat(backup.exit()).as(backup.all()).isZero();
		recordHistory(backupId(backup));
	}

	@AfterAll
	static void stop() throws IOException {
		if (archiver != null) {
			archiver.destroy();
		}
		us.close();
		DirectoryTree.delete(work);
	}

	@Test
	@Order(1)
	void aSegmentPushedTwiceIsAcceptedAndOtherContentUnderItsNameIsRefused() throws Exception {
		String segment = switchAndAwaitArchived();
		Path copy = Files.createDirectories(work.resolve("copies")).resolve(segment);
		CliProcess.Run fetched = CliProcess.run(config, "wal-fetch", "--source", "shop", segment, copy.toString());
		assertThat(fetched.exit()).as(fetched.all()).isZero();
		byte[] original = Files.readAllBytes(copy);
		assertThat(original).hasSize(16 * 1024 * 1024);
		Files.setPosixFilePermissions(copy.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
		Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));

		// the same content again, through the thin client and the archiver: success
		assertThat(push(copy).exit()).isZero();
		// other content under the same name: refused by the archiver and by a direct push
		byte[] forged = original.clone();
		forged[original.length / 2] ^= 0x5A;
		Files.write(copy, forged);
		CliProcess.Run thin = push(copy);
		assertThat(thin.exit()).isEqualTo(1);
		assertThat(thin.err()).contains(segment).contains("different content");
		CliProcess.Run direct = CliProcess.run(config, "wal-push", "--source", "shop", copy.toString());
		assertThat(direct.exit()).as(direct.all()).isEqualTo(26);
		assertThat(direct.err()).contains("different content").contains("nothing was overwritten");
		// nothing was overwritten: the archive still gives the original back
		Path again = work.resolve("copies").resolve("again");
		assertThat(CliProcess.run(config, "wal-fetch", "--source", "shop", segment, again.toString()).exit()).isZero();
		assertThat(Files.readAllBytes(again)).isEqualTo(original);
		assertThat(CliProcess.run(config, "wal-fetch", "--source", "shop", "0000000100000000000000FE", again.toString())
			.exit()).as("a file the archive does not hold").isEqualTo(1);
	}

	@Test
	@Order(2)
	void anArchiverKilledBetweenReceiptAndUploadLosesNoSegment() throws Exception {
		archiver.destroy();
		assertThat(archiver.waitFor(30, TimeUnit.SECONDS)).isTrue();
		long failuresBefore = archiverFailures();
		// no reading ahead: the first file it gets, it gets from wal-push, and dies with
		// it
		Process doomed = startArchiver(List.of("-Dredoubt.test.crash-at=WAL_AFTER_RECEIPT"), false);
		String segment = writeAndSwitch();
		assertThat(doomed.waitFor(60, TimeUnit.SECONDS)).as("the archiver reached its crash point").isTrue();
		assertThat(doomed.exitValue()).isEqualTo(137);
		assertThat(archived(segment)).as("not archived by the killed archiver").isFalse();
		awaitUntil(() -> archiverFailures() > failuresBefore, "wal-push reports the failure to PostgreSQL");
		assertThat(Files.exists(pg.cluster().dataDirectory().resolve("pg_wal/archive_status/" + segment + ".ready")))
			.as("PostgreSQL keeps the segment for a retry")
			.isTrue();
		archiver = startArchiver(List.of(), true);
		writeAndSwitch();
		awaitArchived(segment);
		assertContinuousFromTheBaseBackup();
	}

	@Test
	@Order(3)
	void withOneRegionDownPushFailsWalAccumulatesAndCatchesUpWhenItReturns() throws Exception {
		long failuresBefore = archiverFailures();
		us.when((request) -> true, dev.redoubt.testing.FaultProxy.unreachable(), -1);
		String segment;
		try {
			segment = writeAndSwitch();
			awaitUntil(() -> archiverFailures() > failuresBefore, "wal-push fails while a region is down");
			assertThat(archived(segment)).isFalse();
			assertThat(Files.exists(pg.cluster().dataDirectory().resolve("pg_wal/" + segment))).isTrue();
			assertThat(
					Files.exists(pg.cluster().dataDirectory().resolve("pg_wal/archive_status/" + segment + ".ready")))
				.isTrue();
			// a fetch that cannot ask every region is a failure, never "no such file"
			CliProcess.Run fetch = CliProcess.run(config, "wal-fetch", "--source", "shop", "0000000100000000000000FE",
					work.resolve("unreachable").toString());
			assertThat(fetch.exit()).as(fetch.all()).isEqualTo(255);
		}
		finally {
			us.reset();
		}
		writeAndSwitch();
		awaitArchived(segment);
		assertThat(Files.exists(walObject("eu", segment))).isTrue();
		assertThat(Files.exists(walObject("us", segment))).isTrue();
		assertThat(Files.readString(spool.resolve("metrics.prom"))).contains("redoubt_wal_archive_lag_seconds")
			.contains("redoubt_wal_archive_failures_total");
		// failure test 6: each listed base backup still recovers to what it held
		everyListedBaseBackupRecoversToItsRecordedState();
	}

	@Test
	@Order(4)
	void recoveryLandsExactlyOnATimeAnLsnARestorePointAndATransaction() throws Exception {
		mark("before-time");
		String time = scalar(
				"SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', " + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
		Thread.sleep(50);
		mark("after-time");
		mark("before-lsn");
		String lsn = scalar("SELECT pg_current_wal_insert_lsn()::text");
		mark("after-lsn");
		mark("before-name");
		scalar("SELECT pg_create_restore_point('redoubt-it')::text");
		mark("after-name");
		String xid;
		try (Connection connection = pg.connection("shop").open("test")) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.execute("INSERT INTO markers VALUES ('before-xid')");
				try (ResultSet row = statement.executeQuery("SELECT txid_current()")) {
					row.next();
					xid = row.getString(1);
				}
			}
			connection.commit();
		}
		mark("after-xid");
		awaitArchived(writeAndSwitch());

		Path occupied = Files.createDirectories(work.resolve("occupied"));
		Files.writeString(occupied.resolve("keep.txt"), "mine");
		CliProcess.Run refused = CliProcess.run(config, "restore", "--source", "shop", "--type", "physical",
				"--data-dir", occupied.toString(), "--latest");
		assertThat(refused.exit()).as(refused.all()).isEqualTo(15);
		assertThat(refused.err()).contains("not empty");
		try (var left = Files.list(occupied)) {
			assertThat(left.map((file) -> file.getFileName().toString())).containsExactly("keep.txt");
		}
		assertThat(markersAfterRecovery("--to-time", time)).contains("before-time").doesNotContain("after-time");
		assertThat(markersAfterRecovery("--to-lsn", lsn)).contains("after-time", "before-lsn")
			.doesNotContain("after-lsn");
		assertThat(markersAfterRecovery("--to-name", "redoubt-it")).contains("after-lsn", "before-name")
			.doesNotContain("after-name");
		assertThat(markersAfterRecovery("--to-xid", xid)).contains("after-name", "before-xid")
			.doesNotContain("after-xid");
	}

	@Test
	@Order(5)
	void anAccidentalDeleteIsUndoneForOneTableAsOfJustBeforeIt() throws Exception {
		writeLikePgbench(1500);
		String beforeDelete = scalar(
				"SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', " + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
		String[] asItWas = fingerprint("orders");
		Thread.sleep(50);
		pg.sql("shop", "DELETE FROM orders WHERE customer % 4 = 0");
		writeLikePgbench(800);
		awaitArchived(writeAndSwitch());
		String[] liveOrders = fingerprint("orders");
		String[] customers = fingerprint("customers");
		String tables = scalar("SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY 1) FROM pg_tables "
				+ "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");

		CliProcess.Run run = CliProcess.run(config, "restore", "--source", "shop", "--table", "public.orders",
				"--as-of", beforeDelete, "--output", "json");
		assertThat(run.exit()).as(run.all()).isZero();
		String restoredAs = dev.redoubt.core.manifest.ManifestCodec.json()
			.readTree(run.out())
			.path("tables")
			.get(0)
			.path("restoredAs")
			.asString();
		assertThat(restoredAs).as("beside the live table, in a schema of its own")
			.contains("redoubt_restore_")
			.contains("orders");
		assertThat(fingerprint(restoredAs)).as("exactly the rows that existed just before the delete")
			.containsExactly(asItWas);
		assertThat(fingerprint("orders")).as("the live table is untouched").containsExactly(liveOrders);
		assertThat(fingerprint("customers")).containsExactly(customers);
		assertThat(scalar("SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY 1) FROM pg_tables "
				+ "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'redoubt_restore_%'"))
			.isEqualTo(tables);
	}

	@Test
	@Order(6)
	void restoreToLatestFollowsTheTimelineOfAPromotedCluster() throws Exception {
		Path second = work.resolve("second");
		CliProcess.Run recovered = CliProcess.run(config, "restore", "--source", "shop", "--type", "physical",
				"--data-dir", second.toString(), "--latest", "--output", "json");
		assertThat(recovered.exit()).as(recovered.all()).isZero();
		assertThat(recovered.out()).contains("\"timeline\" : 2");
		// the promoted copy archives to the same source on timeline 2
		try (RestoredServer server = RestoredServer.start(second, true)) {
			server.sql("INSERT INTO markers VALUES ('on-timeline-2')");
			String segment = server.sql("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
			server.sql("SELECT pg_switch_wal()");
			awaitUntil(() -> archived(segment), "timeline 2's segment " + segment + " archived");
			awaitUntil(() -> archived("00000002.history"), "timeline 2's history archived");
		}
		mark("on-timeline-1-later");
		awaitArchived(writeAndSwitch());
		Path third = work.resolve("third");
		CliProcess.Run latest = CliProcess.run(config, "restore", "--source", "shop", "--type", "physical",
				"--data-dir", third.toString(), "--output", "json");
		assertThat(latest.exit()).as(latest.all()).isZero();
		assertThat(latest.out()).contains("\"timeline\" : 3");
		try (RestoredServer server = RestoredServer.start(third, false)) {
			assertThat(server.sql("SELECT string_agg(label, ',' ORDER BY label) FROM markers"))
				.contains("on-timeline-2")
				.doesNotContain("on-timeline-1-later");
		}
		// failure test 8: a new timeline takes nothing from the base backups
		everyListedBaseBackupRecoversToItsRecordedState();
	}

	@Test
	@Order(7)
	void aMissingSegmentIsAGapThatRepoCheckReportsAndRecoveryRefusesToPass() throws Exception {
		List<String> segments = timelineOneSegments();
		String victim = segments.get(segments.size() / 2);
		Path aside = Files.createDirectories(work.resolve("aside"));
		for (String region : List.of("eu", "us")) {
			Files.move(walObject(region, victim), aside.resolve(region), StandardCopyOption.ATOMIC_MOVE);
		}
		try {
			CliProcess.Run check = CliProcess.run(config, "repo-check", "--source", "shop");
			assertThat(check.exit()).as(check.all()).isEqualTo(24);
			assertThat(check.out()).contains("GAP timeline 1")
				.contains(victim)
				.contains("recoverable only to before it");
			CliProcess.Run past = CliProcess.run(config, "restore", "--source", "shop", "--type", "physical",
					"--data-dir", work.resolve("past-the-gap").toString(), "--latest");
			assertThat(past.exit()).as(past.all()).isEqualTo(27);
			assertThat(past.err()).contains(victim).contains("missing from the archive");
		}
		finally {
			for (String region : List.of("eu", "us")) {
				Files.move(aside.resolve(region), walObject(region, victim), StandardCopyOption.ATOMIC_MOVE);
			}
		}
		CliProcess.Run clean = CliProcess.run(config, "repo-check", "--source", "shop");
		assertThat(clean.exit()).as(clean.all()).isZero();
		assertThat(clean.out()).contains("recoverable along timeline 1").contains("then timeline 2");
		// failure test 7: once the gap is mended, every listed base backup recovers again
		everyListedBaseBackupRecoversToItsRecordedState();
	}

	@Test
	@Order(8)
	void aBaseBackupIsVerifiedByReplayingItToConsistencyAndCheckingEveryDatabase() throws Exception {
		CliProcess.Run run = CliProcess.run(config, "verify", "--source", "shop", "--backup", "latest", "--type",
				"base", "--region", "us");
		assertThat(run.exit()).as(run.all()).isZero();
		assertThat(run.out()).contains("VERIFIED")
			.contains("recovery")
			.contains("consistent recovery state reached")
			.contains("shop: ")
			.contains("indexes")
			.contains("constraints")
			.contains("smoke");
		try (var files = Files.list(s3.objectDirectory("eu", "pitr").resolve("shop/base/backups"))) {
			assertThat(files.anyMatch((backup) -> Files.isDirectory(backup.resolve("verifications"))))
				.as("the signed record beside the base backup")
				.isTrue();
		}
		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop");
		assertThat(info.exit()).as(info.all()).isZero();
		assertThat(info.out()).contains("1 base backup(s)").contains("timeline 1").contains("verified");
	}

	@Test
	@ExtendWith(DockerEngine.Exclusive.class)
	@Order(8)
	void aBaseBackupIsVerifiedInAContainerSandboxToo() throws Exception {
		DockerEngine.require();
		CliProcess.Run run = CliProcess.run(config, DockerEngine.ENVIRONMENT, List.of(), "verify", "--source", "shop",
				"--backup", "latest", "--type", "base", "--sandbox", "container");
		assertThat(run.exit()).as(run.all()).isZero();
		assertThat(run.out()).contains("VERIFIED")
			.contains("consistent recovery state reached")
			.contains("shop: ")
			.contains("sandbox: testcontainers");
		assertThat(DockerEngine.sandboxContainers()).as("the recovery's container is removed after the run").isEmpty();
	}

	@Test
	@Order(9)
	void retentionKeepsTheNewestVerifiedBaseBackupAndTheWalItNeeds() throws Exception {
		Path keepOne = work.resolve("keep-one.yaml");
		Files.writeString(keepOne, Files.readString(config)
			.replace("      password-file:",
					"      retention: { keep-last: 1, daily: 0, weekly: 0, monthly: 0 }\n" + "      password-file:"));
		List<String> before = timelineOneSegments();
		CliProcess.Run second = CliProcess.run(config, "backup", "--source", "shop", "--type", "base", "--output",
				"json");
		assertThat(second.exit()).as(second.all()).isZero();
		String secondId = backupId(second);
		recordHistory(secondId);
		awaitArchived(writeAndSwitch());

		// the first is the newest verified: both stay, and all the WAL the first needs
		List<Long> starts = baseBackupStartSegments();
		assertThat(starts).hasSize(2);
		CliProcess.Run keep = CliProcess.run(keepOne, "expire", "--source", "shop");
		assertThat(keep.exit()).as(keep.all()).isZero();
		assertThat(keep.out()).contains("keeping 2 backup(s)").contains("newest-verified").contains("0 expired");
		assertThat(oldestSegment()).as("only WAL from before the first base backup went").isEqualTo(starts.get(1));
		assertContinuousFromTheBaseBackup();

		// once the second is verified, the first and the WAL only it needed go
		CliProcess.Run verify = CliProcess.run(config, "verify", "--source", "shop", "--backup", secondId, "--type",
				"base");
		assertThat(verify.exit()).as(verify.all()).isZero();
		CliProcess.Run expire = CliProcess.run(keepOne, "expire", "--source", "shop");
		assertThat(expire.exit()).as(expire.all()).isZero();
		assertThat(expire.out()).contains("1 expired backup(s)");
		assertThat(oldestSegment()).as("the oldest segment left is the kept base backup's first")
			.isEqualTo(starts.get(0));
		assertThat(timelineOneSegments()).hasSizeLessThan(before.size());
		assertContinuousFromTheBaseBackup();
		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop");
		assertThat(info.out()).contains("1 base backup(s)").contains(secondId);
		everyListedBaseBackupRecoversToItsRecordedState();
	}

	// --- helpers

	private static Process startArchiver(List<String> jvmOptions, boolean readAhead) throws Exception {
		List<String> args = new ArrayList<>(
				List.of("wal-archiver", "--source", "shop", "--spool", spool.toString(), "--jobs", "2"));
		if (readAhead) {
			args.addAll(List.of("--data-dir", pg.cluster().dataDirectory().toString()));
		}
		Path heartbeat = spool.resolve("heartbeat");
		long before = Files.exists(heartbeat) ? Files.getLastModifiedTime(heartbeat).toMillis() : 0;
		Process process = CliProcess.start(config, work.resolve("archiver.log"), jvmOptions,
				args.toArray(String[]::new));
		awaitUntil(() -> Files.exists(heartbeat) && Files.getLastModifiedTime(heartbeat).toMillis() > before,
				"the archiver is up");
		return process;
	}

	private static CliProcess.Run push(Path file) throws Exception {
		List<String> command = ToolProcess
			.asServerUser(List.of(client.toString(), "wal-push", "--spool", spool.toString(), file.toString()));
		Process process = new ProcessBuilder(command).start();
		process.getOutputStream().close();
		String out = new String(process.getInputStream().readAllBytes());
		String err = new String(process.getErrorStream().readAllBytes());
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("wal-push ends: " + err).isTrue();
		return new CliProcess.Run(process.exitValue(), out, err);
	}

	/** Some writes, a segment switch; the name of the segment just finished. */
	private static String writeAndSwitch() throws Exception {
		pg.sql("shop", "INSERT INTO orders (customer, amount) SELECT 1 + g % 50, 1 FROM generate_series(1, 200) g");
		// the insert position, not pg_current_wal_lsn(): with synchronous_commit off the
		// write position can still sit on the boundary of the segment switched last, and
		// pg_walfile_name() of a boundary names that earlier, archived segment
		String segment = scalar("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
		scalar("SELECT pg_switch_wal()::text");
		return segment;
	}

	private static String switchAndAwaitArchived() throws Exception {
		String segment = writeAndSwitch();
		awaitArchived(segment);
		return segment;
	}

	private static void awaitArchived(String segment) throws Exception {
		awaitUntil(() -> archived(segment), "segment " + segment + " archived in every region");
		awaitUntil(() -> {
			String last = scalar("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
			return last.compareTo(segment) >= 0;
		}, "PostgreSQL saw " + segment + " archived");
	}

	private static boolean archived(String name) {
		return Files.exists(walObject("eu", name)) && Files.exists(walObject("us", name));
	}

	private static Path walObject(String region, String name) {
		return s3.objectDirectory(region, "pitr").resolve(WalArchive.key("shop", name));
	}

	private static List<String> timelineOneSegments() throws IOException {
		try (var files = Files.list(s3.objectDirectory("eu", "pitr").resolve("shop/wal"))) {
			return files.map((file) -> file.getFileName().toString())
				.filter(WalNames::isSegment)
				.filter((name) -> name.startsWith("00000001"))
				.sorted()
				.toList();
		}
	}

	private static void assertContinuousFromTheBaseBackup() throws IOException {
		List<String> segments = timelineOneSegments();
		long first = WalNames.segmentNumber(segments.get(0), WalNames.DEFAULT_SEGMENT_BYTES);
		for (int i = 0; i < segments.size(); i++) {
			assertThat(WalNames.segmentNumber(segments.get(i), WalNames.DEFAULT_SEGMENT_BYTES))
				.as("segment %s follows without a gap", segments.get(i))
				.isEqualTo(first + i);
		}
	}

	/**
	 * The history of the base backups (failure tests, the history check): right after a
	 * backup, a restore point and the fingerprint of every table, which nothing changes
	 * between the backup's end and the point.
	 */
	private static void recordHistory(String backupId) throws Exception {
		String point = "history-" + backupId;
		scalar("SELECT pg_create_restore_point('" + point + "')::text");
		Map<String, List<String>> tables = new java.util.TreeMap<>();
		for (String table : HISTORY_TABLES) {
			tables.put(table, List.of(fingerprint(table)));
		}
		HISTORY.put(backupId, tables);
		awaitArchived(writeAndSwitch());
	}

	/**
	 * Each base backup info lists recovers, from the repository alone, to exactly the
	 * tables recorded at its end.
	 */
	private static void everyListedBaseBackupRecoversToItsRecordedState() throws Exception {
		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
		assertThat(info.exit()).as(info.all()).isZero();
		List<String> listed = new ArrayList<>();
		for (var base : ManifestCodec.json().readTree(info.out()).get("baseBackups")) {
			listed.add(base.get("id").asString());
		}
		assertThat(listed).as("listed base backups").isNotEmpty();
		assertThat(HISTORY.keySet()).as("every listed base backup was recorded").containsAll(listed);
		for (String id : listed) {
			Path data = work.resolve("history-" + id);
			CliProcess.Run run = CliProcess.run(config, "restore", "--source", "shop", "--type", "physical", "--backup",
					id, "--data-dir", data.toString(), "--to-name", "history-" + id);
			assertThat(run.exit()).as(id + ": " + run.all()).isZero();
			try (RestoredServer server = RestoredServer.start(data, false)) {
				for (String table : HISTORY_TABLES) {
					assertThat(server.sql("SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY "
							+ "t::text)), '') FROM " + table + " t"))
						.as("%s of base backup %s", table, id)
						.isEqualTo(String.join(" ", HISTORY.get(id).get(table)));
				}
			}
			finally {
				DirectoryTree.delete(data);
			}
		}
	}

	/** The start segment of each base backup, newest first, as info gives them. */
	private static List<Long> baseBackupStartSegments() throws Exception {
		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
		List<Long> starts = new ArrayList<>();
		for (var base : ManifestCodec.json().readTree(info.out()).get("baseBackups")) {
			starts.add(WalNames.parseLsn(base.get("startLsn").asString()) / WalNames.DEFAULT_SEGMENT_BYTES);
		}
		return starts;
	}

	private static String backupId(CliProcess.Run backup) {
		return ManifestCodec.json().readTree(backup.out()).get("backupId").asString();
	}

	private static long oldestSegment() throws IOException {
		return WalNames.segmentNumber(timelineOneSegments().get(0), WalNames.DEFAULT_SEGMENT_BYTES);
	}

	private static long archiverFailures() throws Exception {
		return Long.parseLong(scalar("SELECT failed_count FROM pg_stat_archiver"));
	}

	private static void mark(String label) {
		pg.sql("shop", "INSERT INTO markers VALUES ('" + label + "')");
	}

	private static String markersAfterRecovery(String option, String value) throws Exception {
		Path data = work.resolve("recovered-" + option.substring(2));
		CliProcess.Run run = CliProcess.run(config, "restore", "--source", "shop", "--type", "physical", "--data-dir",
				data.toString(), option, value);
		assertThat(run.exit()).as(run.all()).isZero();
		assertThat(run.out()).contains("recovered source shop");
		try (RestoredServer server = RestoredServer.start(data, false)) {
			return server.sql("SELECT string_agg(label, ',' ORDER BY label) FROM markers");
		}
		finally {
			DirectoryTree.delete(data);
		}
	}

	/** Short transactions of inserts, updates and deletes, as pgbench's would be. */
	private static void writeLikePgbench(int transactions) throws Exception {
		try (Connection connection = pg.connection("shop").open("test");
				Statement statement = connection.createStatement()) {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (int i = 0; i < transactions; i++) {
				switch (i % 3) {
					case 0 -> statement.execute("INSERT INTO orders (customer, amount, note) VALUES ("
							+ (1 + random.nextInt(50)) + ", " + random.nextInt(10000) / 100.0 + ", 'tx " + i + "')");
					case 1 -> statement.execute("UPDATE orders SET amount = amount + 1, updated_at = clock_timestamp() "
							+ "WHERE id = (SELECT min(id) + " + random.nextInt(4000) + " FROM orders)");
					default -> statement.execute(
							"DELETE FROM orders WHERE id = (SELECT max(id) - " + random.nextInt(100) + " FROM orders)");
				}
			}
		}
	}

	/** Row count and an md5 of every row, rows in text order. */
	private static String[] fingerprint(String table) throws Exception {
		return scalar("SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
				+ "FROM " + table + " t")
			.split(" ");
	}

	private static String scalar(String sql) throws Exception {
		try (Connection connection = pg.connection("shop").open("test");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

	private static void awaitUntil(Await.Condition condition, String what) throws Exception {
		// generous: after three failures PostgreSQL's archiver retries a minute later,
		// unless a new segment wakes it; a loaded 2-core machine is slower still
		Await.until(Duration.ofSeconds(240), condition, what, () -> {
			try {
				String log = Files.readString(work.resolve("archiver.log"));
				return "archiver log:\n" + log.substring(Math.max(0, log.length() - 4000));
			}
			catch (IOException ex) {
				return "no archiver log: " + ex.getMessage();
			}
		});
	}

	/**
	 * A recovered data directory started on a private socket, as its user would start it.
	 */
	private static final class RestoredServer implements AutoCloseable {

		private final Path data;

		private final Path socket;

		private final int port;

		private RestoredServer(Path data, Path socket, int port) {
			this.data = data;
			this.socket = socket;
			this.port = port;
		}

		static RestoredServer start(Path data, boolean archive) throws IOException {
			Path socket = Files.createTempDirectory(work, "socket-");
			Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
			int port;
			try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
				port = free.getLocalPort();
			}
			Path pgCtl = PgTools.find("initdb", 15).resolveSibling("pg_ctl");
			ToolProcess.run(
					ToolProcess.asServerUser(List.of(pgCtl.toString(), "-D", data.toString(), "-l",
							data.resolve("server.log").toString(), "-w", "-t", "60", "-o",
							"-p " + port + " -c listen_addresses='' -c unix_socket_directories=" + socket
									+ " -c archive_mode=" + (archive ? "on" : "off"),
							"start")),
					Map.of(), "pg_ctl start");
			return new RestoredServer(data, socket, port);
		}

		String sql(String sql) {
			return ToolProcess.run(List.of(PgTools.find("psql", 10).toString(), "-X", "-A", "-t", "-q", "-v",
					"ON_ERROR_STOP=1", "-h", this.socket.toString(), "-p", Integer.toString(this.port), "-U",
					"postgres", "-d", "shop", "-c", sql), Map.of(), "psql")
				.trim();
		}

		@Override
		public void close() {
			Path pgCtl = PgTools.find("initdb", 15).resolveSibling("pg_ctl");
			ToolProcess.run(
					ToolProcess.asServerUser(
							List.of(pgCtl.toString(), "-D", this.data.toString(), "-m", "fast", "-w", "stop")),
					Map.of(), "pg_ctl stop");
		}

	}

}
