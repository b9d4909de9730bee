package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service image, as {@code docker/build-images.sh} builds it from the repository's
 * {@code Dockerfile} with nothing pulled, runs {@code serve} as its non-root user: health
 * UP, a backup of a PostgreSQL on the host triggered through the API, and the metrics
 * showing it. Where a Docker engine and the image are expected (CI builds both), their
 * absence fails the test instead of skipping it.
 */
class ServiceImageIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("image-" + Long.toHexString(System.nanoTime())),
			List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static final String WRITER_PASSWORD = "w-" + Long.toHexString(new java.security.SecureRandom().nextLong());

	static Path work;

	static String container;

	@BeforeAll
	static void requireTheImage() throws Exception {
		String image = "redoubt:" + appVersion();
		boolean present = docker("image", "inspect", image).exit() == 0;
		if (System.getenv("CI") != null) {
			assertThat(present).as(image + " is built by docker/build-images.sh, which .ci/run runs").isTrue();
		}
		Assumptions.assumeTrue(present, image + " is not built here (docker/build-images.sh)");
		Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
				"the mounted key file is given to the image's user (uid 10001), which needs root");
		pg.createDatabase("shop");
		pg.sql("shop", "CREATE TABLE items (id int PRIMARY KEY, name text);"
				+ " INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
	}

	@AfterAll
	static void removeTheContainer() throws Exception {
		if (container != null) {
			docker("rm", "-f", container);
		}
		if (work != null) {
			DirectoryTree.delete(work);
		}
	}

	@Test
	@ExtendWith(DockerEngine.Exclusive.class)
	void serveRunsInTheImageBacksUpAHostDatabaseThroughTheApiAndShowsItInTheMetrics() throws Exception {
		int port = LocalCluster.freePort();
		Path config = configuration(port);
		DockerRun run = docker("run", "-d", "--network", "host", "--name", "redoubt-smoke-" + port, "-v",
				work + ":/config:ro", "redoubt:" + appVersion(), "--config", "/config/redoubt.yaml", "serve");
		assertThat(run.exit()).as(run.output()).isZero();
		container = "redoubt-smoke-" + port;
		ApiClient api = new ApiClient(port);

		awaitUntil(Duration.ofMinutes(3), () -> api.get("/actuator/health", null, null).body().contains("\"UP\""),
				"health UP");
		assertThat(docker("exec", container, "id", "-u").output().trim()).as("runs as the image's user")
			.isEqualTo("10001");

		ApiClient.Response triggered = api.post("/api/sources/shop/backups", "writer", WRITER_PASSWORD);
		assertThat(triggered.status()).as(triggered.body()).isIn(200, 202);
		awaitUntil(Duration.ofMinutes(3),
				() -> api.get("/api/sources/shop/backups", "writer", WRITER_PASSWORD).body().contains("\"id\""),
				"the backup listed");

		String metrics = api.get("/actuator/prometheus", "writer", WRITER_PASSWORD).body();
		Matcher completed = Pattern
			.compile("redoubt_backup_last_success_timestamp_seconds\\{source=\"shop\",type=\"logical\"} (\\S+)")
			.matcher(metrics);
		assertThat(completed.find()).as(metrics).isTrue();
		assertThat(Double.parseDouble(completed.group(1)))
			.isGreaterThan(Instant.now().minusSeconds(600).getEpochSecond());
		// registered at start, at zero, so that an alert sees a first failure
		assertThat(metrics)
			.contains("redoubt_job_runs_total{job=\"logical-backup\",outcome=\"failed\",source=\"shop\"} 0.0");
	}

	private static Path configuration(int port) throws IOException {
		work = Files.createTempDirectory("redoubt-image-");
		Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path key = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(key);
		Path password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
		for (Path secret : List.of(key, password)) {
			Files.setAttribute(secret, "unix:uid", 10001);
		}
		Path config = work.resolve("redoubt.yaml");
		Files.writeString(config, """
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: /config/pg-password
				      schedules: { logical: "0 0 3 * * ?" }
				  repositories:
				    - { name: eu, endpoint: "%2$s", region: eu-west-1, bucket: %3$s, prefix: image, path-style: true,
				        access-key: redoubt-test-access, secret-key: %4$s }
				    - { name: us, endpoint: "%5$s", region: us-east-1, bucket: %3$s, prefix: image, path-style: true,
				        access-key: redoubt-test-access, secret-key: %4$s }
				  encryption:
				    key-file: /config/master.key
				  service:
				    users:
				      - { name: writer, password: "%6$s", role: write }
				server:
				  port: %7$d
				""".formatted(pg.cluster().port(), s3.region("eu").endpoint(), S3RegionsExtension.BUCKET,
				s3.secretKey().reveal(), s3.region("us").endpoint(), WRITER_PASSWORD, port));
		Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
		return config;
	}

	private static String appVersion() throws IOException {
		for (String line : Files.readAllLines(Path.of("..", "charts", "redoubt", "Chart.yaml"))) {
			if (line.startsWith("appVersion:")) {
				return line.substring("appVersion:".length()).trim().replace("\"", "");
			}
		}
		throw new IllegalStateException("Chart.yaml has no appVersion");
	}

	record DockerRun(int exit, String output) {
	}

	private static DockerRun docker(String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of("docker"));
		command.addAll(List.of(args));
		Process process;
		try {
			process = new ProcessBuilder(command).redirectErrorStream(true).start();
		}
		catch (IOException ex) {
			return new DockerRun(127, ex.getMessage());
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		return new DockerRun(process.waitFor(), output);
	}

	@FunctionalInterface
	interface Condition {

		boolean holds() throws Exception;

	}

	private static void awaitUntil(Duration timeout, Condition condition, String what) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			try {
				if (condition.holds()) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n"
						+ ((container != null) ? docker("logs", "--tail", "80", container).output() : ""));
			}
			Thread.sleep(250);
		}
	}

}
