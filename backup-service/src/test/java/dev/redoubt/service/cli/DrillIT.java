package dev.redoubt.service.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.check.VerifySettings;
import dev.redoubt.verify.drill.Drill;
import dev.redoubt.verify.drill.DrillReport;
import dev.redoubt.verify.drill.DrillRequest;
import dev.redoubt.verify.drill.DrillVerdict;
import dev.redoubt.verify.report.DrillReports;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DR drills against a real PostgreSQL archiving its WAL to two S3Proxy regions: a drill
 * that cannot start its sandbox could not run (and calls no backup bad); an RTO target of
 * a second fails naming RTO; the newest segment missing from one region fails the RPO
 * target from there and passes from the other; with region eu's S3Proxy stopped for real,
 * physical and logical drills from us pass and report RTO, RPO and phases.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("drill-" + Long.toHexString(System.nanoTime())),
			List.of("archive_mode=on", "wal_level=replica"));

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path config;

	static Path spool;

	static Process archiver;

	@BeforeAll
	static void archiveAndBackUp() throws Exception {
		work = Files.createTempDirectory("redoubt-drill-");
		Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
		Path tools = Files.createDirectories(work.resolve("tools"));
		Files.setPosixFilePermissions(tools, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path client = tools.resolve("redoubt-wal.sh");
		try (InputStream script = WalArchive.class.getResourceAsStream("redoubt-wal.sh")) {
			Files.write(client, script.readAllBytes());
		}
		Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
		spool = work.resolve("spool");
		Path keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		config = work.resolve("redoubt.yaml");
		Files.writeString(config, """
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				      verify:
				        sandbox: local
				  repositories:
				    - { name: eu, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: drill, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				    - { name: us, endpoint: "%6$s", region: us-east-1, bucket: %4$s, prefix: drill, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				  encryption:
				    key-file: %7$s
				  verification:
				    sandbox-directory: %8$s
				""".formatted(pg.cluster().port(), password, s3.region("eu").endpoint(), S3RegionsExtension.BUCKET,
				s3.secretKey().reveal(), s3.region("us").endpoint(), keyFile, work.resolve("sandboxes")));
		pg.createDatabase("shop");
		pg.sql("shop", """
				CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
				INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 200) g;
				CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				    customer int NOT NULL REFERENCES customers, amount numeric(10,2) NOT NULL);
				INSERT INTO orders (customer, amount) SELECT 1 + g % 200, g / 10.0 FROM generate_series(1, 20000) g;
				CREATE TABLE markers (label text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());
				""");
		archiver = CliProcess.start(config, work.resolve("archiver.log"), List.of(), "wal-archiver", "--source", "shop",
				"--spool", spool.toString(), "--data-dir", pg.cluster().dataDirectory().toString());
		awaitUntil(() -> Files.exists(spool.resolve("heartbeat")), "the archiver is up");
		pg.sql("postgres",
				"ALTER SYSTEM SET archive_command = '" + client + " wal-push --spool " + spool + " --timeout 20 %p'");
		pg.sql("postgres", "SELECT pg_reload_conf()");
		for (String type : List.of("base", "logical")) {
			CliProcess.Run backup = CliProcess.run(config, "backup", "--source", "shop", "--type", type);
			assertThat(backup.exit()).as(backup.all()).isZero();
		}
		awaitArchived(mark("after-the-backups"));
	}

	@AfterAll
	static void stop() throws Exception {
		if (archiver != null) {
			archiver.destroy();
			archiver.waitFor(30, TimeUnit.SECONDS);
		}
		DirectoryTree.delete(work);
	}

	@Test
	@Order(1)
	void aDrillWhoseSandboxCannotStartCouldNotRunAndCallsNoBackupBad() throws Exception {
		CliProcess.Run plan = CliProcess.run(config, "drill", "--source", "shop", "--plan");
		assertThat(plan.exit()).as(plan.all()).isZero();
		assertThat(plan.out()).contains("drill plan of shop with region eu lost: base backup")
			.contains("projected RTO: unknown: no passing physical drill");
		// the sandbox directory under a regular file: the environment fails, not a backup
		Path blocked = Files.writeString(work.resolve("not-a-directory"), "a file");
		CliProcess.Run run = CliProcess.run(config, java.util.Map.of(),
				List.of("-Dredoubt.verification.sandbox-directory=" + blocked.resolve("sandboxes")), "drill",
				"--source", "shop", "--lose-region", "eu", "--output", "json");
		assertThat(run.exit()).as(run.all()).isEqualTo(34);
		JsonNode report = json(run.out());
		assertThat(report.get("verdict").asString()).isEqualTo("COULD_NOT_RUN");
		assertThat(report.get("reasons").toString()).contains("could not run").contains("sandbox");
		assertThat(report.get("rto").has("seconds")).as("no RTO: nothing was recovered").isFalse();

		for (String region : List.of("eu", "us")) {
			try (var files = Files.walk(s3.objectDirectory(region, "drill").resolve("shop"))) {
				assertThat(files.map(Path::toString).filter((file) -> file.contains("/verifications/")).toList())
					.as("no verification record, that could call a backup bad, in " + region)
					.isEmpty();
			}
		}
	}

	@Test
	@Order(2)
	void theNewestSegmentMissingFromOneRegionFailsTheRpoThereAndPassesFromTheOther() throws Exception {
		Instant before = commitAndSwitch("rpo-before");
		String older = lastArchived();
		// a known data-loss window: the next commit comes three seconds (of the
		// source's clock) later
		awaitUntil(
				() -> scalar("SELECT clock_timestamp() > '" + before + "'::timestamptz + interval '3 s'").equals("t"),
				"three seconds after the first commit");
		Instant after = commitAndSwitch("rpo-after");
		String newest = lastArchived();
		assertThat(newest).isGreaterThan(older);
		// T pinned one second after the newest commit: the RPO each region allows is
		// then exact, whatever the machine's speed
		Clock disaster = Clock.fixed(after.plusSeconds(1), ZoneOffset.UTC);
		Path aside = work.resolve("aside-" + newest);
		Files.move(walObject("us", newest), aside, StandardCopyOption.ATOMIC_MOVE);
		try {
			DrillReport fromUs = drillInProcess("eu", disaster, Duration.ofSeconds(2));
			assertThat(fromUs.verdict()).as(fromUs.reasons().toString()).isEqualTo(DrillVerdict.FAIL);
			assertThat(fromUs.rpo().met()).isFalse();
			assertThat(fromUs.rpo().seconds()).isGreaterThan(3.0);
			assertThat(fromUs.reasons().get(0)).startsWith("RPO ")
				.contains("exceeds the target 2.0 s")
				.contains("no surviving region holds WAL " + newest);
			assertThat(fromUs.recovered().missingSegments()).containsExactly(newest);
			assertThat(fromUs.recovered().newestCommit()).isBefore(after.minusSeconds(2));
			assertThat(fromUs.survivingRegions()).containsExactly("us");
			assertThat(fromUs.checks()).isNotEmpty().allSatisfy((c) -> assertThat(c.status()).isNotEqualTo("failed"));
		}
		finally {
			Files.move(aside, walObject("us", newest), StandardCopyOption.ATOMIC_MOVE);
		}
		// eu holds every segment: from there the same target is met
		DrillReport fromEu = drillInProcess("us", disaster, Duration.ofSeconds(2));
		assertThat(fromEu.verdict()).as(fromEu.reasons().toString()).isEqualTo(DrillVerdict.PASS);
		assertThat(fromEu.rpo().seconds()).isBetween(0.9, 2.0);
		assertThat(fromEu.recovered().newestCommit()).isBetween(before.plusSeconds(3), after.plusSeconds(1));
		assertThat(fromEu.recovered().missingSegments()).isEmpty();
		assertThat(fromEu.phases()).extracting(DrillReport.Phase::name)
			.containsExactly("choose the backup", "fetch and unpack", "WAL fetch, replay and promote", "checks");
	}

	@Test
	@Order(3)
	@org.junit.jupiter.api.extension.ExtendWith(DockerEngine.Exclusive.class)
	void aPhysicalDrillRecoversInAContainerSandboxToo() throws Exception {
		DockerEngine.require();
		CliProcess.Run run = CliProcess.run(config, DockerEngine.ENVIRONMENT, List.of(), "drill", "--source", "shop",
				"--lose-region", "eu", "--sandbox", "container", "--output", "json");
		assertThat(run.exit()).as(run.all()).isZero();
		JsonNode report = json(run.out());
		assertThat(report.get("verdict").asString()).isEqualTo("PASS");
		assertThat(report.get("environment").get("sandbox").asString()).isEqualTo("testcontainers");
		assertThat(DockerEngine.sandboxContainers()).as("the recovery's container is removed").isEmpty();
	}

	@Test
	@Order(4)
	void theCanaryProvesBothSidesOfTheRecoveredPointAndCatchesARecoveryThatStopsShort() throws Exception {
		String backupsDone = scalar("SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
				+ " FROM markers WHERE label = 'after-the-backups'");
		CliProcess.Run run = CliProcess.run(config, "drill", "--source", "shop", "--lose-region", "us", "--canary",
				"--output", "json");
		assertThat(run.exit()).as(run.all()).isZero();
		JsonNode canary = canaryCheck(json(run.out()));
		assertThat(canary.get("status").asString()).isEqualTo("passed");
		assertThat(canary.get("detail").asString()).contains("written before T at")
			.contains(": recovered;")
			.contains("absent, as it must be");
		assertThat(scalar("SELECT count(*) FROM public.redoubt_drill_canary")).isEqualTo("2");

		// recovery told to stop before the canary was written: the proof must fail
		CliProcess.Run short_ = CliProcess.run(config, "drill", "--source", "shop", "--lose-region", "us", "--canary",
				"--to", backupsDone, "--output", "json");
		assertThat(short_.exit()).as(short_.all()).isEqualTo(33);
		JsonNode report = json(short_.out());
		assertThat(canaryCheck(report).get("status").asString()).isEqualTo("failed");
		assertThat(report.get("reasons").toString()).contains("check canary failed")
			.contains("is missing from the recovered database");
	}

	@Test
	@Order(5)
	void aDrillKilledMidReplayLeavesASandboxThatTheNextDrillRemovesAndAnRtoOfOneSecondFails() throws Exception {
		Process killed = CliProcess.start(config, work.resolve("killed-drill.log"),
				List.of("-Dredoubt.test.crash-at=DURING_REPLAY"), "drill", "--source", "shop", "--lose-region", "us");
		assertThat(killed.waitFor(180, TimeUnit.SECONDS)).as("the drill reached its crash point").isTrue();
		assertThat(killed.exitValue()).as(Files.readString(work.resolve("killed-drill.log"))).isEqualTo(137);
		List<Path> left = drillSandboxes();
		assertThat(left).as("the killed drill's sandbox").hasSize(1);
		Path pidFile = left.get(0).resolve("cluster/data/postmaster.pid");
		assertThat(pidFile).as("its server, still replaying or promoted").exists();
		long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

		// the next drill, with an RTO target of one second: it removes the sandbox, and
		// fails naming RTO and only RTO
		CliProcess.Run next = CliProcess.run(config, "drill", "--source", "shop", "--lose-region", "us", "--rto", "1s");
		assertThat(next.exit()).as(next.all()).isEqualTo(33);
		assertThat(next.out()).contains(": FAIL").contains("exceeds the target 1.0 s").contains("record: shop/drills/");
		assertThat(next.out().lines().filter((line) -> line.startsWith("  - ")).toList()).as("only RTO missed")
			.singleElement()
			.asString()
			.startsWith("  - RTO ");
		assertThat(left.get(0)).as("removed by the next drill").doesNotExist();
		awaitUntil(() -> ProcessHandle.of(pid).map((process) -> !process.isAlive()).orElse(true),
				"the killed drill's server stopped");
		assertThat(drillSandboxes()).isEmpty();
	}

	@Test
	@Order(6)
	void serveRunsScheduledDrillsLosingEachRegionInTurnAndShowsThemInApiAndMetrics() throws Exception {
		int drillsBefore = drillRecords().size();
		int port = dev.redoubt.core.pg.LocalCluster.freePort();
		Path serveConfig = work.resolve("serve.yaml");
		Files.writeString(serveConfig, Files.readString(config)
			.replace("      verify:\n",
					"      drill: { schedule: \"0/10 * * * * ?\", type: physical, rto: 10m, rpo: 1h }\n      verify:\n")
			.replace("  verification:\n", """
					  service:
					    cluster-checkin-interval: 1s
					    users:
					      - { name: reader, password: "drill-reader-password", role: read }
					  verification:
					""") + "server:\n  port: " + port + "\n");
		ApiClient api = new ApiClient(port);
		Path log = work.resolve("serve-drills.log");
		Process serve = CliProcess.startIn(work, serveConfig, log, List.of(), "serve");
		try {
			awaitUntil(() -> api.up() || !serve.isAlive(), "serve answering");
			assertThat(serve.isAlive()).as(Files.readString(log)).isTrue();
			// two scheduled drills, each declaring the other region lost
			awaitUntil(() -> drillRecords().size() >= drillsBefore + 2, "two scheduled drills recorded");
			List<JsonNode> drills = new ArrayList<>();
			json(api.get("/api/sources/shop/drills", "reader", "drill-reader-password").body()).forEach(drills::add);
			List<JsonNode> scheduled = drills.subList(drills.size() - 2, drills.size());
			assertThat(scheduled).allSatisfy((drill) -> {
				assertThat(drill.get("verdict").asString()).as(drill.toString()).isEqualTo("PASS");
				assertThat(drill.get("rto").get("targetSeconds").asDouble()).isEqualTo(600.0);
			});
			assertThat(scheduled.get(0).get("lostRegion").asString())
				.isNotEqualTo(scheduled.get(1).get("lostRegion").asString());
			awaitUntil(() -> api.get("/api/job-runs?job=drill&limit=10", "reader", "drill-reader-password")
				.body()
				.contains("\"status\":\"COMPLETED\""), "a completed drill run in the job repository");
			String metrics = api.get("/actuator/prometheus", "reader", "drill-reader-password").body();
			assertThat(metrics).contains("redoubt_drill_last_verdict{source=\"shop\",verdict=\"PASS\"} 1.0")
				.contains("redoubt_drill_last_verdict{source=\"shop\",verdict=\"FAIL\"} 0.0")
				.contains("redoubt_drill_rto_target_seconds{source=\"shop\"} 600.0")
				.containsPattern("redoubt_drill_last_rto_seconds\\{source=\"shop\"\\} [0-9.]+")
				.containsPattern("redoubt_drill_last_timestamp_seconds\\{source=\"shop\"\\} 1\\.[0-9]+E9");
			assertThat(api.post("/api/sources/shop/drills", "reader", "drill-reader-password").status())
				.as("a reader cannot start a drill")
				.isEqualTo(403);
		}
		finally {
			serve.destroy();
			assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	@Order(7)
	void withRegionEuStoppedForRealPhysicalAndLogicalDrillsFromUsPass() throws Exception {
		awaitArchived(mark("before-eu-stops"));
		s3.region("eu").close();
		Path reports = work.resolve("reports");
		CliProcess.Run physical = CliProcess.run(config, "drill", "--source", "shop", "--lose-region", "eu", "--type",
				"physical", "--rto", "10m", "--rpo", "1h", "--report", reports.toString());
		assertThat(physical.exit()).as(physical.all()).isZero();
		assertThat(physical.out()).contains("region eu lost")
			.contains("recovered from us: PASS")
			.contains("RTO ")
			.contains("(target 600.0 s: met)")
			.contains("phase fetch and unpack")
			.contains("phase WAL fetch, replay and promote")
			.contains("phase checks");
		JsonNode report = json(Files.readString(reports.resolve(DrillReports.JSON)));
		assertThat(report.get("verdict").asString()).isEqualTo("PASS");
		assertThat(report.get("rto").get("seconds").asDouble()).isPositive();
		assertThat(report.get("rpo").get("basis").asString()).contains("newest commit");
		assertThat(Files.readString(reports.resolve(DrillReports.HTML))).contains("PASS")
			.contains("WAL fetch, replay and promote")
			.contains("<svg class=\"trend\"");
		assertThat(Files.readString(reports.resolve(DrillReports.TEXT))).startsWith("DR drill of shop (physical)")
			.contains("region eu declared lost");
		assertThat(Files.readString(reports.resolve(DrillReports.JUNIT))).contains("failures=\"0\"");

		CliProcess.Run plan = CliProcess.run(config, "drill", "--source", "shop", "--lose-region", "eu", "--plan",
				"--rto", "10m", "--output", "json");
		assertThat(plan.exit()).as(plan.all()).isZero();
		JsonNode projected = json(plan.out());
		assertThat(projected.get("drillsMeasured").asInt()).isPositive();
		assertThat(projected.get("walSegments").asInt()).isPositive();
		assertThat(projected.get("projectedRtoSeconds").asDouble()).isPositive();
		assertThat(projected.get("withinTarget").asBoolean()).isTrue();

		CliProcess.Run logical = CliProcess.run(config, "drill", "--source", "shop", "--lose-region", "eu", "--type",
				"logical", "--output", "json");
		assertThat(logical.exit()).as(logical.all()).isZero();
		JsonNode logicalReport = json(logical.out());
		assertThat(logicalReport.get("verdict").asString()).isEqualTo("PASS");
		assertThat(logicalReport.get("rpo").get("basis").asString()).contains("snapshot");
		assertThat(logicalReport.get("checks").toString()).contains("row-counts").contains("content-hash");

		CliProcess.Run history = CliProcess.run(config, "drill", "history", "--source", "shop");
		assertThat(history.exit()).as(history.all()).isZero();
		assertThat(history.out()).contains("COULD NOT RUN").contains("FAIL").contains("PASS");
		CliProcess.Run fleet = CliProcess.run(config, "drill", "history", "--output", "json");
		assertThat(fleet.exit()).as(fleet.all()).isZero();
		assertThat(json(fleet.out()).get("passing").asInt()).isEqualTo(1);
		assertThat(json(fleet.out()).get("sources").get(0).get("verdict").asString()).isEqualTo("PASS");
	}

	// --- helpers

	/**
	 * The names of shop's drill records in either region (each is in the one that
	 * survived).
	 */
	private static List<String> drillRecords() throws Exception {
		List<String> records = new ArrayList<>();
		for (String region : List.of("eu", "us")) {
			Path directory = s3.objectDirectory(region, "drill").resolve("shop/drills");
			if (Files.isDirectory(directory)) {
				try (var files = Files.list(directory)) {
					files.map((file) -> file.getFileName().toString())
						.filter((name) -> !records.contains(name))
						.forEach(records::add);
				}
			}
		}
		return records;
	}

	private static List<Path> drillSandboxes() throws Exception {
		Path root = work.resolve("sandboxes");
		if (!Files.isDirectory(root)) {
			return List.of();
		}
		try (var entries = Files.list(root)) {
			return entries.filter((p) -> p.getFileName().toString().startsWith("sandbox-drill-")).toList();
		}
	}

	private static JsonNode canaryCheck(JsonNode report) {
		for (JsonNode check : report.get("checks")) {
			if (check.get("id").asString().equals("canary")) {
				return check;
			}
		}
		throw new AssertionError("no canary check in " + report);
	}

	private static DrillReport drillInProcess(String lost, Clock clock, Duration rpo) throws Exception {
		RepositoryKeys keys = RepositoryKeys.fromKeyFile(work.resolve("master.key"));
		try (Repository repository = new Repository(s3.multiRegion("drill"), keys)) {
			DrillRequest request = new DrillRequest("shop", DrillRequest.Type.PHYSICAL, lost, RecoveryTarget.latest(),
					null, rpo, SandboxKind.LOCAL, work.resolve("sandboxes"),
					new VerifySettings(List.of(), null, null, 2), pg.connection("shop"), null, false);
			Drill.Run run = new Drill(repository, clock).run(request);
			assertThat(run.recordKey()).as(run.recordProblem()).startsWith("shop/drills/");
			return run.report();
		}
	}

	/** Commits a marker, switches the segment and waits until it is archived. */
	private static Instant commitAndSwitch(String label) throws Exception {
		String segment = mark(label);
		Instant committed = Instant.parse(scalar("SELECT to_char(at AT TIME ZONE 'UTC', "
				+ "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM markers WHERE label = '" + label + "'"));
		awaitArchived(segment);
		return committed;
	}

	/** Inserts a marker, switches; the segment that holds it. */
	private static String mark(String label) throws Exception {
		pg.sql("shop", "INSERT INTO markers (label) VALUES ('" + label + "')");
		String segment = scalar("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
		scalar("SELECT pg_switch_wal()::text");
		return segment;
	}

	private static String lastArchived() throws Exception {
		return scalar("SELECT last_archived_wal FROM pg_stat_archiver");
	}

	private static void awaitArchived(String segment) throws Exception {
		awaitUntil(() -> Files.exists(walObject("eu", segment)) && Files.exists(walObject("us", segment))
				&& scalar("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver").compareTo(segment) >= 0,
				"segment " + segment + " archived in every region");
	}

	private static Path walObject(String region, String name) {
		return s3.objectDirectory(region, "drill").resolve(WalArchive.key("shop", name));
	}

	private static String scalar(String sql) throws Exception {
		try (Connection connection = pg.connection("shop").open("test");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

	private static JsonNode json(String text) {
		return ManifestCodec.json().readTree(text);
	}

	private static void awaitUntil(Await.Condition condition, String what) throws Exception {
		Await.until(Duration.ofSeconds(240), condition, what, () -> {
			try {
				return "archiver log:\n" + Files.readString(work.resolve("archiver.log"));
			}
			catch (java.io.IOException ex) {
				return "no archiver log: " + ex.getMessage();
			}
		});
	}

}
