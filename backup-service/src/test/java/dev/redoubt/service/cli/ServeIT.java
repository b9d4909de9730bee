package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

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
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code redoubt serve} with the local default metadata database (H2 under ./.redoubt): a
 * fleet of two databases of one cluster and one of another, backed up every twenty
 * seconds to two S3Proxy regions, each backup verified, retention expiring by policy; the
 * REST API, its security and {@code /actuator/prometheus}; the catalog rebuilt from the
 * repository after the metadata database is lost; configuration errors reported at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeIT {

	private static final String CANARY_PG = "pg-canary-" + Long.toHexString(System.nanoTime());

	private static final String WRITER_PASSWORD = "writer-canary-" + Long.toHexString(System.nanoTime());

	private static final String READER_PASSWORD = "reader-canary-" + Long.toHexString(System.nanoTime());

	@RegisterExtension
	static PostgresExtension first = new PostgresExtension(Secret.of(CANARY_PG), List.of());

	@RegisterExtension
	static PostgresExtension second = new PostgresExtension(Secret.of(CANARY_PG), List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path keyFile;

	static Path password;

	static int port;

	static ApiClient api;

	static Process serve;

	static Path log;

	@BeforeAll
	static void fleet() throws Exception {
		work = Files.createTempDirectory("redoubt-serve-");
		keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		password = work.resolve("pg-password");
		Files.writeString(password, CANARY_PG + "\n");
		first.createDatabase("app");
		first.sql("app", "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);"
				+ " INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, 3000) g");
		first.createDatabase("crm");
		first.sql("crm", "CREATE TABLE contacts (id int PRIMARY KEY, email text);"
				+ " INSERT INTO contacts SELECT g, g || '@example.com' FROM generate_series(1, 500) g");
		second.createDatabase("shop");
		second.sql("shop", "CREATE TABLE orders (id int PRIMARY KEY, amount numeric);"
				+ " INSERT INTO orders SELECT g, g / 10.0 FROM generate_series(1, 2000) g");
		port = LocalCluster.freePort();
		api = new ApiClient(port);
	}

	@AfterAll
	static void stop() throws Exception {
		stopServe();
		keepServeLogs();
		DirectoryTree.delete(work);
	}

	/**
	 * Every serve's log, kept under target/serve-logs/ServeIT/ beside the test reports:
	 * what a failure on a loaded machine needs to be read instead of rerun.
	 */
	private static void keepServeLogs() throws IOException {
		Path kept = Files.createDirectories(Path.of("target", "serve-logs", "ServeIT"));
		try (java.util.stream.Stream<Path> files = Files.list(work)) {
			for (Path file : files.filter((f) -> f.getFileName().toString().startsWith("serve-")).toList()) {
				Files.copy(file, kept.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			}
		}
	}

	@Test
	@Order(1)
	void configurationErrorsAreAllReportedAtOnceEachNamingItsKey() throws Exception {
		Path bad = work.resolve("bad.yaml");
		Files.writeString(bad, """
				redoubt:
				  sources:
				    one:
				      url: jdbc:postgresql://127.0.0.1:1/app
				      username: postgres
				      databases: [crm]
				      regions: [eu, mars]
				      schedules: { logical: "every night", retention: "0 0 3 * * ?" }
				    "[one.crm]":
				      url: jdbc:postgresql://127.0.0.1:1/crm
				      username: postgres
				  repositories:
				    - { name: eu, type: local, path: /tmp/redoubt-never-written }
				    - { name: eu, bucket: b, region: eu-west-1, access-key: only-half }
				  encryption:
				    key-file: %s
				  service:
				    users:
				      - { name: ops, role: admin }
				      - { name: auditor, password-file: /nonexistent/auditor-password, role: read }
				""".formatted(keyFile));
		CliProcess.Run run = CliProcess.runIn(work, bad, Map.of(), List.of(), "serve");
		assertThat(run.exit()).as(run.all()).isEqualTo(3);
		assertThat(run.err()).contains("redoubt.sources.one.regions[1]: unknown region 'mars'")
			.contains("redoubt.sources.one.schedules.logical: 'every night' is not a Quartz cron expression")
			.contains("redoubt.sources.one.databases[0]: source name 'one.crm' is also configured")
			.contains("redoubt.repositories[1].name: 'eu' is also the name of redoubt.repositories[0]")
			.contains("redoubt.repositories[1]: access-key and secret-key must be given together")
			.contains("redoubt.service.users[0].password: missing (there is no default password)")
			.contains("redoubt.service.users[0].role: 'admin' is not read or write")
			.contains(
					"redoubt.service.users[1].password-file: cannot read /nonexistent/auditor-password (no such file)");
		assertThat(run.err()).doesNotContain("redoubt serve: replica");
	}

	@Test
	@Order(2)
	void backsUpVerifiesAndExpiresTheFleetOnItsSchedules() throws Exception {
		startServe(config("scheduled.yaml", true));
		// three fires of every source, and retention having expired something of each
		awaitUntil(Duration.ofSeconds(240),
				() -> expiredBy("one").size() + expiredBy("one.crm").size() > 1 && !expiredBy("two").isEmpty(),
				"retention expired backups of every source");
		// each backup is verified some seconds after it is taken (a sandbox restore): on
		// a loaded machine the next fire may come first, so no moment with two verified
		// backups listed is awaited; two verifications run, and one listed backup proven
		awaitUntil(Duration.ofSeconds(180),
				() -> List.of("one", "one.crm", "two")
					.stream()
					.allMatch((source) -> verifiedBackups(source) >= 1 && completedVerifications(source) >= 2),
				"two verifications of every source, a verified backup of each listed");

		JsonNode sources = json(read("/api/sources"));
		assertThat(sources.findValuesAsString("name")).containsExactly("one", "one.crm", "two");
		for (String source : List.of("one", "one.crm", "two")) {
			JsonNode backups = json(read("/api/sources/" + source + "/backups"));
			assertThat(backups.size()).as(source).isBetween(2, 4);
			int verified = 0;
			for (JsonNode backup : backups) {
				JsonNode verification = backup.get("verification");
				if (verification != null && !verification.isNull()) {
					assertThat(verification.get("verified").asBoolean()).as(backup.toString()).isTrue();
					verified++;
				}
			}
			assertThat(verified).as(source + ": a listed backup is verified").isGreaterThanOrEqualTo(1);
			for (String id : expiredBy(source)) {
				assertThat(backups.toString()).doesNotContain(id);
				for (String region : List.of("eu", "us")) {
					assertThat(s3.objectDirectory(region, "fleet").resolve(source + "/backups/" + id))
						.as("expired backup " + id + " in " + region)
						.doesNotExist();
				}
			}
		}
		JsonNode runs = json(read("/api/job-runs?limit=500"));
		List<String> fires = new ArrayList<>();
		for (JsonNode run : runs) {
			if (run.get("job").asString().equals("logicalBackup") && run.get("status").asString().equals("COMPLETED")) {
				assertThat(run.get("parameters").has("token")).isTrue();
				fires.add(run.get("parameters").get("fire").asString());
			}
		}
		assertThat(fires).as("each fire backed up once").doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(6);
		assertThat(runs.toString()).contains("\"job\":\"verifyBackup\"").contains("\"job\":\"retention\"");

		String metrics = read("/actuator/prometheus");
		for (String source : List.of("one", "one.crm", "two")) {
			assertThat(gauge(metrics,
					"redoubt_backup_last_success_timestamp_seconds{source=\"" + source + "\",type=\"logical\"}"))
				.isGreaterThan(Instant.now().minusSeconds(120).getEpochSecond());
			assertThat(
					gauge(metrics, "redoubt_backup_last_duration_seconds{source=\"" + source + "\",type=\"logical\"}"))
				.isPositive();
			assertThat(gauge(metrics, "redoubt_backup_last_size_bytes{source=\"" + source + "\",type=\"logical\"}"))
				.isPositive();
			assertThat(gauge(metrics, "redoubt_verification_last_verified_age_seconds{source=\"" + source + "\"}"))
				.isBetween(0.0, 120.0);
		}
		assertThat(metrics)
			.contains("redoubt_job_runs_total{job=\"logical-backup\",outcome=\"succeeded\",source=\"two\"}");
		assertThat(api.get("/actuator/health", null, null).body()).contains("\"UP\"");
		for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
			ApiClient.Response response = api.get(probe, null, null);
			assertThat(response.status()).as(probe).isEqualTo(200);
			assertThat(response.body()).as(probe).isEqualTo("{\"status\":\"UP\"}");
		}
	}

	@Test
	@Order(3)
	void everyCallIsAuthenticatedWritesNeedTheWriteRoleAndNoSecretLeaks() throws Exception {
		for (String path : List.of("/api/sources", "/api/job-runs", "/actuator/prometheus", "/v3/api-docs")) {
			assertThat(api.get(path, null, null).status()).as(path).isEqualTo(401);
			assertThat(api.get(path, "reader", "wrong-password-123").status()).as(path).isEqualTo(401);
		}
		assertThat(api.post("/api/sources/two/backups", null, null).status()).isEqualTo(401);
		assertThat(api.post("/api/sources/two/backups", "reader", READER_PASSWORD).status()).isEqualTo(403);
		assertThat(api.get("/api/sources/nowhere/backups", "reader", READER_PASSWORD).status()).isEqualTo(404);
		ApiClient.Response triggered = api.post("/api/sources/two/verifications", "writer", WRITER_PASSWORD);
		assertThat(triggered.status()).as(triggered.body()).isEqualTo(202);
		String openApi = read("/v3/api-docs");
		assertThat(openApi).contains("\"/api/sources/{source}/backups\"")
			.contains("\"/api/job-runs\"")
			.contains("\"basic\"");

		List<String> places = new ArrayList<>(api.bodies);
		places.add(Files.readString(log));
		places.add(metadataDump());
		for (String secret : List.of(CANARY_PG, WRITER_PASSWORD, READER_PASSWORD, s3.secretKey().reveal())) {
			for (String text : places) {
				assertThat(text).as("a secret in a log, a response or the metadata database").doesNotContain(secret);
			}
		}
	}

	@Test
	@Order(4)
	void theCatalogIsRebuiltFromTheRepositoryAloneAfterTheMetadataDatabaseIsLost() throws Exception {
		// stopped at any moment: a fire cut short is recovered by the next serve, as by
		// a replica taking over, so the views are compared once that serve is idle
		awaitUntil(Duration.ofSeconds(180), ServeIT::noRunInProgress, "no run in progress");
		stopServe();
		// the same fleet without schedules, so nothing new fires while we compare
		Path quiet = config("quiet.yaml", false);
		startServe(quiet);
		awaitUntil(Duration.ofSeconds(240), ServeIT::schedulerIdle,
				"the quiet serve idle: the stopped serve's fires recovered and done, no trigger left");
		stopServe();

		// a verification asked for by the API, cut short by a stop right before its
		// record: the next serve takes the fire over, ends the cut run and verifies again
		startServe(quiet, List.of("-Dredoubt.test.pause-at=BEFORE_VERIFICATION_RECORD",
				"-Dredoubt.test.resume-file=" + work.resolve("never-resumed")));
		ApiClient.Response asked = api.post("/api/sources/two/verifications", "writer", WRITER_PASSWORD);
		assertThat(asked.status()).as(asked.body()).isEqualTo(202);
		awaitUntil(Duration.ofSeconds(180), () -> logContains("pause point BEFORE_VERIFICATION_RECORD reached"),
				"the verification paused before its record");
		JsonNode cut = json(read("/api/job-runs?job=verifyBackup&source=two&limit=1")).get(0);
		assertThat(cut.get("status").asString()).isEqualTo("STARTED");
		stopServe();
		startServe(quiet);
		awaitUntil(Duration.ofSeconds(240), ServeIT::schedulerIdle, "the cut verification taken over and done");
		String fire = cut.get("parameters").get("fire").asString();
		JsonNode ended = runById(cut.get("id").asLong());
		assertThat(ended.get("status").asString()).as(ended.toString()).isEqualTo("FAILED");
		assertThat(ended.get("exitDescription").asString()).contains("the fire was taken over");
		JsonNode again = json(read("/api/job-runs?job=verifyBackup&source=two&limit=1")).get(0);
		assertThat(again.get("parameters").get("fire").asString()).as(again.toString()).isEqualTo(fire);
		assertThat(again.get("status").asString()).as(again.toString()).isEqualTo("COMPLETED");
		Map<String, String> before = apiView();
		Map<String, String> infoBefore = infoView(quiet);
		stopServe();

		DirectoryTree.delete(work.resolve(".redoubt"));
		CliProcess.Run rebuild = CliProcess.runIn(work, quiet, Map.of(), List.of(), "catalog", "rebuild");
		assertThat(rebuild.exit()).as(rebuild.all()).isZero();
		assertThat(rebuild.out()).contains("catalog rebuilt from the repository: 3 source(s)");

		startServe(quiet);
		assertThat(apiView()).isEqualTo(before);
		assertThat(infoView(quiet)).isEqualTo(infoBefore);
		assertThat(before.get("one")).contains("\"verified\":true");
	}

	@Test
	@Order(5)
	void databasesAllDiscoversEveryDatabaseOfTheCluster() throws Exception {
		Path all = work.resolve("all.yaml");
		Files.writeString(all, Files.readString(config("quiet.yaml", false))
			.replace("url: jdbc:postgresql://127.0.0.1:" + second.cluster().port() + "/shop",
					"url: jdbc:postgresql://127.0.0.1:" + second.cluster().port() + "/postgres")
			.replace(
					"      schedules: {}\n      retention: { keep-last: 2, daily: 0, weekly: 0, monthly: 0, grace: 30s }\n  repositories",
					"      databases: [all]\n  repositories"));
		assertThat(Files.readString(all)).contains("databases: [all]");
		CliProcess.Run info = CliProcess.run(all, "info", "--source", "two.shop", "--output", "json");
		assertThat(info.exit()).as(info.all()).isZero();
		assertThat(info.out()).contains("\"source\" : \"two.shop\"");
		CliProcess.Run unknown = CliProcess.run(all, "info", "--source", "two.nowhere");
		assertThat(unknown.exit()).isEqualTo(4);
		assertThat(unknown.err()).contains("two.shop");
	}

	@Test
	@Order(6)
	void aSourceNamingItsRegionsIsWrittenAndReadThereOnly() throws Exception {
		Path euOnly = work.resolve("eu-only.yaml");
		Files.writeString(euOnly,
				Files.readString(config("quiet.yaml", false))
					.replace("prefix: fleet", "prefix: eu-only")
					.replace("      databases: [crm]\n", "      databases: [crm]\n      regions: [eu]\n"));
		CliProcess.Run backup = CliProcess.run(euOnly, "backup", "--source", "one.crm");
		assertThat(backup.exit()).as(backup.all()).isZero();
		assertThat(s3.objectDirectory("eu", "eu-only").resolve("one.crm/backups")).isDirectory();
		assertThat(s3.objectDirectory("us", "eu-only")).doesNotExist();
		CliProcess.Run info = CliProcess.run(euOnly, "info", "--source", "one.crm", "--output", "json");
		assertThat(info.out()).contains("\"missingIn\" : [ ]").doesNotContain("\"us\"");
	}

	/** The reader's password as a mounted secret would give it: a file. */
	private static Path readerPasswordFile() throws IOException {
		Path file = work.resolve("reader-password");
		Files.writeString(file, READER_PASSWORD + "\n");
		return file;
	}

	private static Map<String, String> apiView() throws Exception {
		Map<String, String> view = new TreeMap<>();
		for (String source : List.of("one", "one.crm", "two")) {
			view.put(source, read("/api/sources/" + source + "/backups") + read("/api/sources/" + source + "/wal"));
		}
		return view;
	}

	private static Map<String, String> infoView(Path config) throws Exception {
		Map<String, String> view = new TreeMap<>();
		for (String source : List.of("one", "one.crm", "two")) {
			CliProcess.Run info = CliProcess.run(config, "info", "--source", source, "--output", "json");
			assertThat(info.exit()).as(info.all()).isZero();
			view.put(source, info.out());
		}
		return view;
	}

	/** Verification jobs of {@code source} the job repository records completed. */
	private static int completedVerifications(String source) {
		try {
			int completed = 0;
			for (JsonNode run : json(read("/api/job-runs?limit=500"))) {
				if (run.get("job").asString().equals("verifyBackup") && run.get("status").asString().equals("COMPLETED")
						&& source.equals(run.path("parameters").path("source").asString())) {
					completed++;
				}
			}
			return completed;
		}
		catch (Exception ex) {
			return 0;
		}
	}

	private static int verifiedBackups(String source) {
		try {
			int verified = 0;
			for (JsonNode backup : json(read("/api/sources/" + source + "/backups"))) {
				JsonNode verification = backup.get("verification");
				if (verification != null && !verification.isNull() && verification.get("verified").asBoolean()) {
					verified++;
				}
			}
			return verified;
		}
		catch (Exception ex) {
			return 0;
		}
	}

	private static boolean noRunInProgress() {
		try {
			return !read("/api/job-runs?limit=50").contains("\"status\":\"STARTED\"");
		}
		catch (Exception ex) {
			return false;
		}
	}

	/**
	 * Nothing fired, due or left to recover: one scheduler in the cluster (a stopped
	 * serve's entry is gone once its fires are recovered), no trigger stored (the quiet
	 * configuration has no schedule; a one-shot trigger, such as an API call's or a
	 * recovery's, is deleted once fired), no fire executing and no batch run started.
	 */
	private static boolean schedulerIdle() {
		String url = "jdbc:h2:file:" + work.resolve(".redoubt/metadata") + ";AUTO_SERVER=TRUE";
		try (Connection connection = DriverManager.getConnection(url, "sa", "");
				Statement statement = connection.createStatement()) {
			return count(statement, "QRTZ_SCHEDULER_STATE") == 1 && count(statement, "QRTZ_TRIGGERS") == 0
					&& count(statement, "QRTZ_FIRED_TRIGGERS") == 0 && noRunInProgress();
		}
		catch (java.sql.SQLException ex) {
			return false;
		}
	}

	private static int count(Statement statement, String table) throws java.sql.SQLException {
		try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
			rows.next();
			return rows.getInt(1);
		}
	}

	private static boolean logContains(String text) {
		try {
			return Files.readString(log).contains(text);
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static JsonNode runById(long id) throws Exception {
		for (JsonNode run : json(read("/api/job-runs?limit=500"))) {
			if (run.get("id").asLong() == id) {
				return run;
			}
		}
		throw new AssertionError("no job run " + id);
	}

	/** Every row of every table of the embedded metadata database, as SQL text. */
	private static String metadataDump() throws Exception {
		String url = "jdbc:h2:file:" + work.resolve(".redoubt/metadata") + ";AUTO_SERVER=TRUE";
		StringBuilder dump = new StringBuilder();
		try (Connection connection = DriverManager.getConnection(url, "sa", "");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SCRIPT")) {
			while (rows.next()) {
				dump.append(rows.getString(1)).append('\n');
			}
		}
		assertThat(dump).contains("BATCH_JOB_EXECUTION_PARAMS").contains("QRTZ_TRIGGERS").contains("REDOUBT_BACKUP");
		return dump.toString();
	}

	private static List<String> expiredBy(String source) {
		List<String> expired = new ArrayList<>();
		try {
			for (JsonNode run : json(read("/api/job-runs?job=retention&source=" + source + "&limit=200"))) {
				String ids = run.get("outcome").path("expired").asString("");
				if (!ids.isEmpty()) {
					expired.addAll(List.of(ids.split(",")));
				}
			}
		}
		catch (Exception ex) {
			// not up yet
		}
		return expired;
	}

	private static String read(String path) throws Exception {
		ApiClient.Response response = api.get(path, "reader", READER_PASSWORD);
		assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
		return response.body();
	}

	private static double gauge(String metrics, String series) {
		return metrics.lines()
			.filter((line) -> line.startsWith(series + " "))
			.map((line) -> Double.parseDouble(line.substring(series.length() + 1)))
			.findFirst()
			.orElseThrow(() -> new AssertionError(series + " not published"));
	}

	private static JsonNode json(String text) {
		return ManifestCodec.json().readTree(text);
	}

	private static void startServe(Path config) throws Exception {
		startServe(config, List.of());
	}

	private static void startServe(Path config, List<String> jvmOptions) throws Exception {
		log = work.resolve("serve-" + System.nanoTime() + ".log");
		serve = CliProcess.startIn(work, config, log, jvmOptions, "serve");
		awaitUntil(Duration.ofSeconds(60), () -> api.up() || !serve.isAlive(), "serve answering");
		assertThat(serve.isAlive()).as(Files.readString(log)).isTrue();
	}

	private static void stopServe() throws Exception {
		if (serve != null && serve.isAlive()) {
			serve.destroy();
			assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	private static void awaitUntil(Duration timeout, BooleanSupplier condition, String what) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out waiting for " + what + "; serve log:\n"
						+ ((log != null) ? Files.readString(log) : ""));
			}
			Thread.sleep(500);
		}
	}

	private static Path config(String name, boolean scheduled) throws IOException {
		String schedules = scheduled ? "schedules: { logical: \"0/20 * * * * ?\", retention: \"15/20 * * * * ?\" }"
				: "schedules: {}";
		Path config = work.resolve(name);
		Files.writeString(config, """
				redoubt:
				  sources:
				    one:
				      url: jdbc:postgresql://127.0.0.1:%1$d/app
				      username: postgres
				      password-file: %2$s
				      databases: [crm]
				      %3$s
				      retention: { keep-last: 2, daily: 0, weekly: 0, monthly: 0, grace: 30s }
				    two:
				      url: jdbc:postgresql://127.0.0.1:%4$d/shop
				      username: postgres
				      password-file: %2$s
				      %3$s
				      retention: { keep-last: 2, daily: 0, weekly: 0, monthly: 0, grace: 30s }
				  repositories:
				    - { name: eu, endpoint: "%5$s", region: eu-west-1, bucket: %6$s, prefix: fleet, path-style: true,
				        access-key: redoubt-test-access, secret-key: %7$s }
				    - { name: us, endpoint: "%8$s", region: us-east-1, bucket: %6$s, prefix: fleet, path-style: true,
				        access-key: redoubt-test-access, secret-key: %7$s }
				  encryption:
				    key-file: %9$s
				  verification:
				    jobs: 1
				  service:
				    cluster-checkin-interval: 1s
				    # the default file, opened with AUTO_SERVER so that this test can read it beside serve
				    metadata:
				      url: "jdbc:h2:file:./.redoubt/metadata;AUTO_SERVER=TRUE"
				    users:
				      - { name: writer, password: "%10$s", role: write }
				      - { name: reader, password-file: "%11$s", role: read }
				server:
				  port: %12$d
				""".formatted(first.cluster().port(), password, schedules, second.cluster().port(),
				s3.region("eu").endpoint(), S3RegionsExtension.BUCKET, s3.secretKey().reveal(),
				s3.region("us").endpoint(), keyFile, WRITER_PASSWORD, readerPasswordFile(), port));
		return config;
	}

}
