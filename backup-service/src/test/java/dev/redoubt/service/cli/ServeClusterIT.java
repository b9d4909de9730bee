package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.LocalCluster;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@code redoubt serve} replicas sharing a PostgreSQL metadata database (the Quartz
 * cluster, the job repository, the fencing table). A replica killed in the middle of a
 * backup has the fire run again by the other, and the repository ends with one backup for
 * it; a replica frozen ({@code SIGSTOP}) right before its manifest, presumed dead and
 * taken over by a third, wakes up and is refused the commit. Over all the fires, each ran
 * once.
 */
class ServeClusterIT {

	@RegisterExtension
	static PostgresExtension source = new PostgresExtension(Secret.of("ha-src-" + Long.toHexString(System.nanoTime())),
			List.of());

	@RegisterExtension
	static PostgresExtension metadata = new PostgresExtension(
			Secret.of("ha-meta-" + Long.toHexString(System.nanoTime())), List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path config;

	static final List<Process> replicas = new ArrayList<>();

	@BeforeAll
	static void fleetAndMetadata() throws Exception {
		work = Files.createTempDirectory("redoubt-ha-");
		Path keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path password = work.resolve("pg-password");
		Files.writeString(password, source.password().reveal() + "\n");
		source.createDatabase("app");
		source.sql("app", "CREATE TABLE events (id bigint PRIMARY KEY, payload text);"
				+ " INSERT INTO events SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g");
		metadata.createDatabase("redoubt_meta");
		// the metadata database's password as a mounted secret gives it: a file
		Path metadataPassword = work.resolve("metadata-password");
		Files.writeString(metadataPassword, metadata.password().reveal() + "\n");
		config = work.resolve("redoubt.yaml");
		Files.writeString(config, """
				redoubt:
				  sources:
				    app:
				      url: jdbc:postgresql://127.0.0.1:%1$d/app
				      username: postgres
				      password-file: %2$s
				      schedules: { logical: "0/10 * * * * ?" }
				  repositories:
				    - { name: eu, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: ha, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				    - { name: us, endpoint: "%6$s", region: us-east-1, bucket: %4$s, prefix: ha, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				  encryption:
				    key-file: %7$s
				  service:
				    metadata:
				      url: jdbc:postgresql://127.0.0.1:%8$d/redoubt_meta
				      username: postgres
				      password-file: %9$s
				    cluster-checkin-interval: 1s
				    verify-after-backup: false
				    users:
				      - { name: reader, password: reader-password-123, role: read }
				""".formatted(source.cluster().port(), password, s3.region("eu").endpoint(), S3RegionsExtension.BUCKET,
				s3.secretKey().reveal(), s3.region("us").endpoint(), keyFile, metadata.cluster().port(),
				metadataPassword));
	}

	@AfterAll
	static void stop() throws Exception {
		for (Process replica : replicas) {
			resume(replica);
			replica.destroyForcibly();
			replica.waitFor(30, TimeUnit.SECONDS);
		}
		DirectoryTree.delete(work);
	}

	@Test
	void aFireTakenOverFromAKilledOrFrozenReplicaEndsWithExactlyOneBackup() throws Exception {
		// replica A alone takes the first fire, and stops right before its manifest
		Replica a = start("a", pauseBeforeManifest(40));
		a.awaitLog("pause point BEFORE_MANIFEST reached", Duration.ofSeconds(60));
		Fire killed = runningFire(a.instance());
		Replica b = start("b", List.of());
		a.process().destroyForcibly();
		assertThat(a.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
		// B presumes A dead, recovers the fire and runs it again
		awaitUntil(Duration.ofSeconds(90), () -> committed(killed.key()) != null, "fire " + killed + " recovered");
		Fire recovered = fire(killed.key());
		assertThat(recovered.owner()).isEqualTo(b.instance());
		assertThat(recovered.token()).isEqualTo(killed.token() + 1);
		// the fence row turns committed right before the manifests are written, one
		// region
		// after the other: the manifests are there once the job has completed
		awaitUntil(Duration.ofSeconds(60), () -> completedRuns(killed.key()) == 1, "run of " + killed + " completed");
		assertThat(manifestsOf(recovered.backupId())).containsExactly("eu", "us");

		// replica C freezes at the same point (B stops, so that C takes the next fire);
		// D, started meanwhile, presumes C dead and takes the fire over; C wakes up
		Replica c = start("c", pauseBeforeManifest(45));
		b.process().destroy();
		assertThat(b.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
		c.awaitLog("pause point BEFORE_MANIFEST reached", Duration.ofSeconds(60));
		Fire frozen = runningFire(c.instance());
		Replica d = start("d", List.of());
		signal(c.process(), "STOP");
		awaitUntil(Duration.ofSeconds(90), () -> committed(frozen.key()) != null, "fire " + frozen + " taken over");
		assertThat(fire(frozen.key()).owner()).isEqualTo(d.instance());
		resume(c.process());
		// C finds the source's lease taken over (D waited for it to expire) before its
		// fire's fence: either refuses the commit
		c.awaitLog("nothing of it is committed", Duration.ofSeconds(60));
		assertThat(Files.readString(c.log())).contains("the lease of source app was taken over")
			.doesNotContain(source.password().reveal());

		// replica E, alone, dies between its first and its second manifest: the fence
		// kept the manifest, and F, which recovers the fire, writes it where it is
		// missing
		stopGracefully(c, d);
		Replica e = start("e", List.of("-Dredoubt.test.crash-at=AFTER_FIRST_MANIFEST"));
		assertThat(e.process().waitFor(90, TimeUnit.SECONDS)).as("E halted at its first manifest").isTrue();
		assertThat(e.process().exitValue()).isEqualTo(137);
		Fire halted = fires().stream()
			.filter((fire) -> fire.owner().equals(e.instance()) && fire.pendingManifest())
			.findFirst()
			.orElseThrow(() -> new AssertionError("no commit pending on " + e.instance()));
		assertThat(manifestsOf(halted.backupId())).containsExactly("eu");
		Replica f = start("f", List.of());
		awaitUntil(Duration.ofSeconds(90),
				() -> fireOrNull(halted.key()) != null && !fireOrNull(halted.key()).pendingManifest(),
				"commit of " + halted + " finished");
		assertThat(manifestsOf(halted.backupId())).containsExactly("eu", "us");
		assertThat(lockOf(halted.backupId())).as("lock of " + halted.backupId()).isEmpty();
		// the fence lets the manifest go last, once E's run is recorded as completed
		assertThat(completedRuns(halted.key())).as("E's run recorded as completed").isEqualTo(1);
		f.awaitLog("manifest written in [us]", Duration.ofSeconds(10));

		// the repository, with F frozen while no fire of its is running and no commit is
		// pending: one complete backup per committed fire, and none from A or C
		awaitUntil(Duration.ofSeconds(60), () -> frozenWhileQuiet(f), "a moment when F runs no fire");
		List<String> leftovers = incompleteBackups();
		assertThat(leftovers).as("what A and C wrote before their manifests").hasSizeGreaterThanOrEqualTo(2);
		for (String leftover : leftovers) {
			assertThat(manifestsOf(leftover)).as("manifest of leftover " + leftover).isEmpty();
		}
		Map<String, String> committedByFire = committedFires();
		List<String> complete = completeBackups();
		assertThat(complete).containsExactlyInAnyOrderElementsOf(committedByFire.values());
		assertThat(committedByFire.size()).as("several fires").isGreaterThanOrEqualTo(4);
		// the job repository: each fire completed once
		Map<String, Integer> completions = completedRunsByFire();
		assertThat(completions.keySet()).containsExactlyInAnyOrderElementsOf(committedByFire.keySet());
		assertThat(completions.values()).allMatch((count) -> count == 1);
	}

	/**
	 * Freezes F ({@code SIGSTOP}); true if, frozen, it runs no fire and no commit is
	 * pending (the repository then holds still), else it is resumed.
	 */
	private static boolean frozenWhileQuiet(Replica replica) {
		try {
			signal(replica.process(), "STOP");
			boolean quiet = fires().stream()
				.noneMatch((fire) -> fire.pendingManifest()
						|| (fire.state().equals("running") && fire.owner().equals(replica.instance())));
			if (!quiet) {
				resume(replica.process());
			}
			return quiet;
		}
		catch (Exception ex) {
			throw new AssertionError(ex);
		}
	}

	private static void stopGracefully(Replica... stopping) throws Exception {
		for (Replica replica : stopping) {
			replica.process().destroy();
		}
		for (Replica replica : stopping) {
			assertThat(replica.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	private static List<String> pauseBeforeManifest(int seconds) {
		return List.of("-Dredoubt.test.pause-at=BEFORE_MANIFEST", "-Dredoubt.test.pause-seconds=" + seconds);
	}

	record Replica(Process process, Path log, String instance) {

		void awaitLog(String text, Duration timeout) throws Exception {
			awaitUntil(timeout, () -> logContains(text), "'" + text + "' in " + this.log);
		}

		private boolean logContains(String text) {
			try {
				return Files.readString(this.log).contains(text);
			}
			catch (IOException ex) {
				return false;
			}
		}

	}

	record Fire(String key, String owner, long token, String state, String backupId, boolean pendingManifest) {
	}

	private static Replica start(String name, List<String> testOptions) throws Exception {
		Path log = work.resolve("serve-" + name + ".log");
		// a frozen replica's lease expires 3 s after its last renewal: the one taking its
		// fire over waits that long
		List<String> options = new ArrayList<>(
				List.of("-Dserver.port=" + LocalCluster.freePort(), "-Dredoubt.lease-ttl-seconds=3"));
		options.addAll(testOptions);
		Process process = CliProcess.startIn(work, config, log, options, "serve");
		replicas.add(process);
		Pattern started = Pattern.compile("redoubt serve: replica (\\S+),");
		String[] instance = new String[1];
		awaitUntil(Duration.ofSeconds(60), () -> {
			try {
				Matcher matcher = started.matcher(Files.readString(log));
				if (matcher.find()) {
					instance[0] = matcher.group(1);
					return true;
				}
				return !process.isAlive();
			}
			catch (IOException ex) {
				return false;
			}
		}, "replica " + name + " started");
		assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
		return new Replica(process, log, instance[0]);
	}

	private static Fire runningFire(String owner) throws SQLException {
		for (Fire fire : fires()) {
			if (fire.owner().equals(owner) && fire.state().equals("running")) {
				return fire;
			}
		}
		throw new AssertionError("no fire running on " + owner + ": " + fires());
	}

	private static Fire fire(String key) throws SQLException {
		return fires().stream().filter((fire) -> fire.key().equals(key)).findFirst().orElseThrow();
	}

	private static Fire fireOrNull(String key) {
		try {
			return fire(key);
		}
		catch (SQLException | java.util.NoSuchElementException ex) {
			return null;
		}
	}

	private static String committed(String key) {
		try {
			Fire fire = fire(key);
			return fire.state().equals("committed") ? fire.backupId() : null;
		}
		catch (SQLException ex) {
			return null;
		}
	}

	private static Map<String, String> committedFires() throws SQLException {
		Map<String, String> committed = new HashMap<>();
		for (Fire fire : fires()) {
			if (fire.state().equals("committed")) {
				committed.put(fire.key(), fire.backupId());
			}
		}
		return committed;
	}

	private static List<Fire> fires() throws SQLException {
		List<Fire> fires = new ArrayList<>();
		try (Connection connection = metadataConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(
						"SELECT fire_key, owner, token, state, backup_id, manifest IS NOT NULL FROM redoubt_fire")) {
			while (rows.next()) {
				fires.add(new Fire(rows.getString(1), rows.getString(2), rows.getLong(3), rows.getString(4),
						rows.getString(5), rows.getBoolean(6)));
			}
		}
		return fires;
	}

	private static Map<String, Integer> completedRunsByFire() throws SQLException {
		Map<String, Integer> completions = new HashMap<>();
		try (Connection connection = metadataConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("""
						SELECT p.parameter_value FROM batch_job_execution e
						JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
						JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
						WHERE i.job_name = 'logicalBackup' AND e.status = 'COMPLETED' AND p.parameter_name = 'fire'
						""")) {
			while (rows.next()) {
				completions.merge(rows.getString(1), 1, Integer::sum);
			}
		}
		return completions;
	}

	private static int completedRuns(String fireKey) {
		try {
			return completedRunsByFire().getOrDefault(fireKey, 0);
		}
		catch (SQLException ex) {
			return 0;
		}
	}

	private static Connection metadataConnection() throws SQLException {
		return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + metadata.cluster().port() + "/redoubt_meta",
				"postgres", metadata.password().reveal());
	}

	/** The regions holding a manifest of the backup. */
	private static List<String> manifestsOf(String id) {
		return regionsHolding(id, "manifest");
	}

	/** The regions still holding the backup's lock (its writer has not finished). */
	private static List<String> lockOf(String id) {
		return regionsHolding(id, "lock");
	}

	private static List<String> regionsHolding(String id, String object) {
		List<String> regions = new ArrayList<>();
		for (String region : List.of("eu", "us")) {
			if (Files.exists(s3.objectDirectory(region, "ha").resolve("app/backups/" + id + "/" + object))) {
				regions.add(region);
			}
		}
		return regions;
	}

	private static List<String> completeBackups() throws IOException {
		return backupIds().stream().filter((id) -> manifestsOf(id).size() == 2).toList();
	}

	private static List<String> incompleteBackups() throws IOException {
		return backupIds().stream().filter((id) -> manifestsOf(id).size() < 2).toList();
	}

	private static List<String> backupIds() throws IOException {
		try (var ids = Files.list(s3.objectDirectory("eu", "ha").resolve("app/backups"))) {
			return ids.map((path) -> path.getFileName().toString()).sorted().toList();
		}
	}

	private static void signal(Process process, String signal) throws Exception {
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
		assertThat(kill.waitFor()).isZero();
	}

	private static void resume(Process process) throws Exception {
		if (process.isAlive()) {
			signal(process, "CONT");
		}
	}

	private static void awaitUntil(Duration timeout, BooleanSupplier condition, String what) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				StringBuilder logs = new StringBuilder();
				try (var files = Files.list(work)) {
					for (Path file : files.filter((f) -> f.toString().endsWith(".log")).toList()) {
						logs.append("\n== ").append(file).append('\n').append(Files.readString(file));
					}
				}
				throw new AssertionError("timed out waiting for " + what + logs);
			}
			Thread.sleep(250);
		}
	}

}
