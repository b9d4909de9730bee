package dev.redoubt.service.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;
import dev.redoubt.verify.report.ReportWriter;
import dev.redoubt.restore.sandbox.Sandboxes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code redoubt verify} through the packaged CLI: reports, the record {@code info}
 * shows, exit statuses, and sandbox hygiene when a verification is killed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VerifyCliIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	static Path config;

	static Path sandboxes;

	static Path keyFile;

	@BeforeAll
	static void prepare() throws Exception {
		SampleDatabase.create(pg.cluster(), "shop", pg.scratch());
		keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		sandboxes = work.resolve("sandboxes");
		// as root the sandbox's server runs as postgres, which must be able to pass
		// through
		Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
		Path password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		String yaml = """
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				      verify:
				        sandbox: local
				        smoke-queries:
				          - name: orders exist
				            sql: SELECT count(*) > 0 FROM public.orders
				          - name: every order line has an order
				            sql: SELECT count(*) FROM public.order_lines l LEFT JOIN public.orders o ON o.id = l.order_id WHERE o.id IS NULL
				            expect: "0"
				    strict:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				      verify:
				        smoke-queries:
				          - name: a million orders
				            sql: SELECT count(*) FROM public.orders
				            expect: "1000000"
				  repositories:
				    - { name: eu-west, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: cli, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				    - { name: eu-central, endpoint: "%6$s", region: eu-central-1, bucket: %4$s, prefix: cli,
				        path-style: true, access-key: redoubt-test-access, secret-key: %5$s }
				  encryption:
				    key-file: %7$s
				  verification:
				    sandbox-directory: %8$s
				    jobs: 2
				"""
			.formatted(pg.cluster().port(), password, s3.region("eu-west").endpoint(), S3RegionsExtension.BUCKET,
					s3.secretKey().reveal(), s3.region("eu-central").endpoint(), keyFile, sandboxes);
		config = work.resolve("redoubt.yaml");
		Files.writeString(config, yaml);
		assertThat(CliProcess.run(config, "backup", "--source", "shop").exit()).isZero();
		assertThat(CliProcess.run(config, "backup", "--source", "strict").exit()).isZero();
	}

	@AfterAll
	static void noSandboxOrServerLeft() throws Exception {
		if (Files.isDirectory(sandboxes)) {
			try (Stream<Path> left = Files.list(sandboxes)) {
				assertThat(left).as("sandbox directories left").isEmpty();
			}
		}
		assertThat(serversUnder(sandboxes)).as("postgres processes left in sandboxes").isEmpty();
	}

	@Test
	@Order(1)
	void verifyWritesTheThreeReportsAndInfoShowsTheBackupVerified() throws Exception {
		Path reports = work.resolve("reports");
		CliProcess.Run run = CliProcess.run(config, "verify", "--source", "shop", "--backup", "latest", "--report",
				reports.toString());

		assertThat(run.exit()).as(run.all()).isZero();
		assertThat(run.out()).contains("VERIFIED").contains("content-hash").contains("restore ");
		for (String file : List.of(ReportWriter.JSON, ReportWriter.HTML, ReportWriter.JUNIT)) {
			assertThat(reports.resolve(file)).isNotEmptyFile();
		}
		JsonNode report = ManifestCodec.json().readTree(Files.readString(reports.resolve(ReportWriter.JSON)));
		assertThat(report.path("verified").asBoolean()).isTrue();
		assertThat(report.path("sandbox").path("kind").asString()).isEqualTo("local");
		assertThat(report.path("checks").size()).isEqualTo(10);
		assertThat(report.path("checks").get(8).path("detail").asString()).contains("2 smoke queries");

		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
		JsonNode verification = ManifestCodec.json().readTree(info.out()).path("backups").get(0).path("verification");
		assertThat(verification.path("verified").asBoolean()).isTrue();
		assertThat(verification.path("restoreSeconds").asDouble()).isPositive();
		assertThat(verification.path("sandbox").asString()).isEqualTo("local");
		assertThat(CliProcess.run(config, "info", "--source", "shop").out()).contains("verified ")
			.contains("local sandbox");
	}

	@Test
	@Order(2)
	void failedCheckExitsWithItsOwnStatusAndInfoShowsTheFailure() throws Exception {
		CliProcess.Run run = CliProcess.run(config, "verify", "--source", "strict", "--backup", "latest", "--output",
				"json");

		assertThat(run.exit()).as(run.all()).isEqualTo(22);
		JsonNode report = ManifestCodec.json().readTree(run.out());
		assertThat(report.path("verified").asBoolean()).isFalse();
		assertThat(CliProcess.run(config, "info", "--source", "strict").out()).contains("VERIFICATION FAILED")
			.contains("smoke-queries");
	}

	@Test
	@Order(3)
	void verificationThatCannotRunExitsWithAnotherStatus() throws Exception {
		Assumptions.assumeFalse(Sandboxes.dockerAvailable(), "a Docker engine answers here");
		CliProcess.Run run = CliProcess.run(config, "verify", "--source", "shop", "--backup", "latest", "--sandbox",
				"testcontainers");

		assertThat(run.exit()).as(run.all()).isEqualTo(23);
		assertThat(run.err()).contains("needs a Docker engine");
		assertThat(CliProcess.run(config, "verify", "--source", "shop", "--backup", "latest", "--sandbox", "vm").exit())
			.isEqualTo(3);
	}

	@Test
	@ExtendWith(DockerEngine.Exclusive.class)
	@Order(4)
	void containerSandboxVerifiesWhereADockerEngineAnswers() throws Exception {
		DockerEngine.require();
		CliProcess.Run run = CliProcess.run(config, DockerEngine.ENVIRONMENT, List.of(), "verify", "--source", "shop",
				"--backup", "latest", "--sandbox", "testcontainers");
		assertThat(run.exit()).as(run.all()).isZero();
		assertThat(run.out()).contains("sandbox: testcontainers").contains("VERIFIED");
		assertThat(DockerEngine.sandboxContainers()).as("the container is removed after the run").isEmpty();
	}

	@Test
	@ExtendWith(DockerEngine.Exclusive.class)
	@Order(4)
	void aContainerSandboxOfAKilledVerificationIsRemovedByTheNextRun() throws Exception {
		DockerEngine.require();
		Process victim = startVerify("--sandbox", "testcontainers");
		try {
			awaitRestoring(victim);
			List<String> containers = DockerEngine.sandboxContainers();
			assertThat(containers).as("the run's sandbox container").hasSize(1);
			victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
			assertThat(DockerEngine.sandboxContainers()).as("the killed run's container still runs")
				.isEqualTo(containers);

			CliProcess.Run next = CliProcess.run(config, DockerEngine.ENVIRONMENT, List.of(), "verify", "--source",
					"shop", "--backup", "latest", "--sandbox", "testcontainers");

			assertThat(next.exit()).as(next.all()).isZero();
			assertThat(next.err()).contains("removing stale sandbox container " + containers.get(0));
			assertThat(DockerEngine.sandboxContainers()).isEmpty();
		}
		finally {
			victim.destroyForcibly();
		}
	}

	@Test
	@Order(5)
	void killedVerificationLeavesASandboxThatTheNextRunRemoves() throws Exception {
		Process victim = startVerify();
		Path stale = awaitSandboxWithServer(victim);
		victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

		assertThat(stale).isDirectory();
		assertThat(serversUnder(sandboxes)).as("the killed run's server still runs").isNotEmpty();

		CliProcess.Run next = CliProcess.run(config, "verify", "--source", "shop", "--backup", "latest");

		assertThat(next.exit()).as(next.all()).isZero();
		assertThat(next.err()).contains("removing stale sandbox").contains(stale.getFileName().toString());
		assertThat(stale).doesNotExist();
		assertThat(serversUnder(sandboxes)).isEmpty();
	}

	@Test
	@Order(6)
	void repoCheckFindsDamageInOneRegionAndRepairsItFromTheOther() throws Exception {
		String id = ManifestCodec.json()
			.readTree(CliProcess.run(config, "info", "--source", "shop", "--output", "json").out())
			.path("backups")
			.get(0)
			.path("id")
			.asString();
		List<ChunkRef> chunks;
		try (Repository repository = new Repository(s3.multiRegion("cli"), RepositoryKeys.fromKeyFile(keyFile))) {
			chunks = repository.readManifest("shop", BackupId.parse(id)).allChunks();
		}
		Path west = s3.objectDirectory("eu-west", "cli");
		Path central = s3.objectDirectory("eu-central", "cli");
		Path flipped = west.resolve(chunks.get(1).key());
		byte[] bytes = Files.readAllBytes(flipped);
		bytes[bytes.length / 3] ^= 0x40;
		Files.write(flipped, bytes);
		Path truncated = west.resolve(chunks.get(2).key());
		Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(truncated), 100));
		Files.delete(west.resolve(chunks.get(3).key()));
		String orphan = "shop/backups/" + id + "/chunks/" + "ab".repeat(32);
		try (var store = s3.multiRegion("cli")) {
			store.regions().get(0).create(orphan, "left behind".getBytes(StandardCharsets.UTF_8));
		}

		CliProcess.Run damaged = CliProcess.run(config, "repo-check", "--source", "shop", "--output", "json");

		assertThat(damaged.exit()).as(damaged.all()).isEqualTo(24);
		JsonNode report = ManifestCodec.json().readTree(damaged.out());
		assertThat(report.path("healthy").asBoolean()).isFalse();
		List<String> found = new ArrayList<>();
		report.path("problems")
			.forEach((p) -> found
				.add(p.path("kind").asString() + " " + p.path("region").asString() + " " + p.path("key").asString()));
		assertThat(found).containsExactlyInAnyOrder("corrupt eu-west " + chunks.get(1).key(),
				"corrupt eu-west " + chunks.get(2).key(), "missing eu-west " + chunks.get(3).key(),
				"orphan eu-west " + orphan);

		CliProcess.Run repaired = CliProcess.run(config, "repo-check", "--source", "shop", "--repair");
		assertThat(repaired.exit()).as(repaired.all()).isZero();
		assertThat(repaired.out()).contains("(repaired)").contains("repaired");

		CliProcess.Run clean = CliProcess.run(config, "repo-check", "--source", "shop");
		assertThat(clean.exit()).as(clean.all()).isZero();
		assertThat(clean.out()).contains("clean");
		for (int i = 1; i <= 3; i++) {
			assertThat(west.resolve(chunks.get(i).key())).hasSameBinaryContentAs(central.resolve(chunks.get(i).key()));
		}
		assertThat(west.resolve(orphan)).doesNotExist();
	}

	@Test
	@Order(7)
	void tableRestoreThroughTheCliPlansRefusesAndSurvivesAKillDuringTheMerge() throws Exception {
		CliProcess.Run plan = CliProcess.run(config, "restore", "--source", "shop", "--backup", "latest", "--table",
				"public.orders", "--where", "id BETWEEN 100 AND 199", "--dry-run", "--output", "json");
		assertThat(plan.exit()).as(plan.all()).isZero();
		JsonNode table = ManifestCodec.json().readTree(plan.out()).path("tables").get(0);
		assertThat(table.path("rowsSelected").asLong()).isEqualTo(100);

		CliProcess.Run refused = CliProcess.run(config, "restore", "--source", "shop", "--backup", "latest", "--table",
				"public.orders", "--where", "random() < 0.1", "--dry-run");
		assertThat(refused.exit()).as(refused.all()).isEqualTo(25);
		assertThat(refused.err()).contains("volatile function random()");

		String target = "jdbc:postgresql://127.0.0.1:" + pg.cluster().port() + "/shop";
		pg.sql("shop", "DELETE FROM public.order_lines WHERE order_id <= 10; DELETE FROM public.orders WHERE id <= 10");
		var before = DatabaseFingerprint.take(pg.connection("shop"));
		CliProcess.Run killed = CliProcess.run(config, java.util.Map.of(),
				List.of("-Dredoubt.test.crash-at=during-merge"), "restore", "--source", "shop", "--backup", "latest",
				"--table", "public.orders", "--where", "id <= 10", "--into-existing", "--conflict", "replace",
				"--target", target);
		assertThat(killed.exit()).as(killed.all()).isEqualTo(137);
		assertThat(DatabaseFingerprint.take(pg.connection("shop")).differences(before)).isEmpty();

		CliProcess.Run merged = CliProcess.run(config, "restore", "--source", "shop", "--backup", "latest", "--table",
				"public.orders", "--into-existing", "--conflict", "skip", "--target", target);
		assertThat(merged.exit()).as(merged.all()).isZero();
		assertThat(merged.out()).contains("--conflict skip: 10 inserted");
	}

	@Test
	@Order(8)
	void aTableRestoreKilledWhileLoadingLeavesOnlyAStagingSchemaThatTheNextRunDrops() throws Exception {
		// a backup in small chunks, so that orders spans several and loads over two
		// sessions
		Path small = work.resolve("small-chunks.yaml");
		Files.writeString(small, Files.readString(config) + "  backup:\n    chunk-size: 512KB\n");
		assertThat(CliProcess.run(small, "backup", "--source", "shop").exit()).isZero();
		String target = "jdbc:postgresql://127.0.0.1:" + pg.cluster().port() + "/shop";
		var before = DatabaseFingerprint.take(pg.connection("shop"));

		CliProcess.Run killed = CliProcess.run(small, java.util.Map.of(),
				List.of("-Dredoubt.test.crash-at=during-staged-load"), "restore", "--source", "shop", "--backup",
				"latest", "--table", "public.orders", "--into", "public.orders_back", "--jobs", "2", "--target",
				target);

		assertThat(killed.exit()).as(killed.all()).isEqualTo(137);
		assertThat(scalar("SELECT to_regclass('public.orders_back') IS NULL")).isEqualTo("t");
		assertThat(scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'redoubt\\_staging\\_%'"))
			.isEqualTo("1");
		assertThat(DatabaseFingerprint.take(pg.connection("shop")).differences(before))
			.allSatisfy((difference) -> assertThat(difference).contains("redoubt_staging_"));

		CliProcess.Run again = CliProcess.run(small, "restore", "--source", "shop", "--backup", "latest", "--table",
				"public.orders", "--into", "public.orders_back", "--jobs", "2", "--target", target);

		assertThat(again.exit()).as(again.all()).isZero();
		assertThat(again.err()).contains("dropping the staging schema redoubt_staging_");
		assertThat(scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'redoubt\\_staging\\_%'"))
			.isEqualTo("0");
		assertThat(scalar("SELECT count(*) FROM public.orders_back")).isEqualTo("60000");
		assertThat(scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 'orders_back'")).isEqualTo("3");
	}

	private static String scalar(String sql) throws Exception {
		try (var connection = pg.connection("shop").open("test");
				var statement = connection.createStatement();
				var rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

	/** Starts a verification in the background, its log on a pipe we read. */
	private static Process startVerify(String... options) throws IOException {
		List<String> command = new ArrayList<>(
				CliProcess.command(config, List.of(), "verify", "--source", "shop", "--backup", "latest"));
		command.addAll(List.of(options));
		ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
		builder.environment().putAll(DockerEngine.ENVIRONMENT);
		Process process = builder.start();
		process.getOutputStream().close();
		return process;
	}

	/**
	 * Waits until the run is restoring into its sandbox: the log says so and the
	 * sandbox's server is up.
	 */
	private static Path awaitSandboxWithServer(Process process) throws Exception {
		awaitRestoring(process);
		try (Stream<Path> dirs = Files.list(sandboxes)) {
			Path sandbox = dirs.findFirst().orElseThrow();
			assertThat(sandbox.resolve("cluster/data/postmaster.pid")).exists();
			return sandbox;
		}
	}

	/** Waits until the run's log says it is restoring into its sandbox. */
	private static void awaitRestoring(Process process) throws Exception {
		CompletableFuture<Void> restoring = CompletableFuture.runAsync(() -> {
			try (BufferedReader log = new BufferedReader(
					new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = log.readLine()) != null) {
					if (line.contains("restoring backup")) {
						return;
					}
				}
			}
			catch (IOException ex) {
				throw new java.io.UncheckedIOException(ex);
			}
			throw new IllegalStateException("verify ended before restoring");
		});
		restoring.get(2, TimeUnit.MINUTES);
	}

	/** PostgreSQL servers whose data directory lies under {@code root}. */
	private static List<ProcessHandle> serversUnder(Path root) {
		String prefix = root.toAbsolutePath().toString();
		return ProcessHandle.allProcesses()
			.filter((
					p) -> p.info().commandLine().map((c) -> c.contains("postgres") && c.contains(prefix)).orElse(false))
			.toList();
	}

}
