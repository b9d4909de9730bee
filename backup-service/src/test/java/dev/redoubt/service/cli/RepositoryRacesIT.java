package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The races of a shared repository, each staged with the CLI against a real PostgreSQL
 * and two S3Proxy regions: a run stands at a named point (it waits there for a file the
 * test creates) while another acts. Every test writes under its own prefix.
 */
class RepositoryRacesIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("races-" + Long.toHexString(System.nanoTime())),
			List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path keyFile;

	static Path password;

	final List<Process> started = new ArrayList<>();

	static History history;

	@BeforeAll
	static void sourceDatabase() throws Exception {
		work = Files.createTempDirectory("redoubt-races-");
		keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		pg.createDatabase("shop");
		history = new History(pg, "shop", "shop");
		pg.sql("shop", "CREATE TABLE items (id int PRIMARY KEY, name text);"
				+ " INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 5000) g");
	}

	@AfterEach
	void stopStarted() {
		this.started.forEach(Process::destroyForcibly);
	}

	@AfterAll
	static void clean() {
		DirectoryTree.delete(work);
	}

	/**
	 * Retention used to judge a backup in flight by the age of its objects: a backup
	 * quiet for longer than the grace period lost its chunks, committed anyway, and was
	 * listed complete but could not be restored.
	 */
	@Test
	void aBackupQuietLongerThanTheGracePeriodKeepsItsChunksAndCommitsWhole() throws Exception {
		Path config = config("quiet", "0s", 1);
		Paused backup = startPaused(config, "BEFORE_MANIFEST", "backup", "--source", "shop");

		CliProcess.Run expire = CliProcess.run(config, "expire", "--source", "shop");
		assertThat(expire.exit()).as(expire.all()).isZero();
		assertThat(expire.out()).contains("in flight").contains("0 leftover(s)");

		backup.resume();
		assertThat(backup.exit()).as(backup.log()).isZero();
		history.acknowledge(backup.backupId());
		CliProcess.Run verify = CliProcess.run(config, "verify", "--source", "shop", "--backup", "latest");
		assertThat(verify.exit()).as(verify.all()).isZero();
		assertThat(history.check(config, "after a quiet backup beside retention")).isEqualTo(1);
	}

	/**
	 * A sweep racing a backup (shared chunks, the default): the sweep waits for the
	 * source's lease, so a backup in flight keeps the chunks it uploaded; one frozen past
	 * its lease loses it to the sweep, which deletes the chunks no manifest names, and is
	 * then fenced out: it commits no manifest naming a swept chunk.
	 */
	@Test
	void aSweepThatTookTheLeaseOfAFrozenBackupDeletesItsChunksAndFencesItOut() throws Exception {
		Path config = config("swept", "0s", 1);
		backupId(CliProcess.run(config, "backup", "--source", "shop", "--output", "json"));
		pg.sql("shop", "UPDATE items SET name = name || ' swept' WHERE id % 7 = 0");
		Paused frozen = startPaused(config, List.of("-Dredoubt.lease-ttl-seconds=2"), "BEFORE_MANIFEST", "backup",
				"--source", "shop");
		signal(frozen.process, "STOP");
		try {
			CliProcess.Run[] sweep = new CliProcess.Run[1];
			awaitUntil(Duration.ofMinutes(3), () -> {
				sweep[0] = run(config, "expire", "--source", "shop", "--output", "json");
				assertThat(sweep[0].exit()).as(sweep[0].all()).isZero();
				return swept(sweep[0]) > 0;
			}, "a sweep taking the frozen backup's expired lease over");

			signal(frozen.process, "CONT");
			frozen.resume();
			assertThat(frozen.exit()).as(frozen.log()).isEqualTo(32);
			assertThat(frozen.log()).contains("was taken over").contains("nothing of it is committed");
			String frozenId = frozen.backupId();
			assertThat(objects("eu", "swept")).as("no manifest of the fenced backup")
				.noneMatch((path) -> path.toString().contains(frozenId + "/manifest"));
			CliProcess.Run check = CliProcess.run(config, "repo-check", "--source", "shop", "--output", "json");
			assertThat(check.exit()).as("nothing listed names a swept chunk: " + check.all()).isZero();
			assertThat(history.check(config, "after a sweep beside a frozen backup")).isEqualTo(1);
		}
		finally {
			if (frozen.process.isAlive()) {
				signal(frozen.process, "CONT");
			}
		}
	}

	private static int swept(CliProcess.Run expire) {
		return dev.redoubt.core.manifest.ManifestCodec.json()
			.readTree(expire.out())
			.path("sharedChunks")
			.path("swept")
			.asInt(0);
	}

	/** Hostile input 45: two backups of one source at once. */
	@Test
	void aSecondBackupOfTheSourceStopsBusyNamingTheHolderWhileTheFirstRuns() throws Exception {
		Path config = config("busy", "1h", 2);
		Paused first = startPaused(config, "BEFORE_MANIFEST", "backup", "--source", "shop");

		CliProcess.Run second = CliProcess.run(config, "backup", "--source", "shop");
		assertThat(second.exit()).as(second.all()).isEqualTo(32);
		assertThat(second.err()).contains("source shop is busy")
			.contains("logical backup (host ")
			.contains("pid " + first.process.pid());
		String firstId = first.backupId();
		assertThat(objects("eu", "busy")).as("the second run wrote no backup object")
			.filteredOn((path) -> path.toString().contains("/backups/"))
			.allMatch((path) -> path.toString().contains(firstId));

		first.resume();
		assertThat(first.exit()).as(first.log()).isZero();
		history.acknowledge(firstId);
		CliProcess.Run after = CliProcess.run(config, "backup", "--source", "shop", "--output", "json");
		assertThat(after.exit()).as("once the first ended, the lease is free: " + after.all()).isZero();
		history.acknowledge(after);
		assertThat(history.check(config, "after two backups at once")).isEqualTo(2);
	}

	/**
	 * A writer frozen past its lease's expiry (a long GC pause, a stalled VM) must not
	 * commit over the writer that took the lease over: the fencing token refuses it.
	 */
	@Test
	void aBackupFrozenPastItsLeaseIsFencedOutByTheOneThatTookItOver() throws Exception {
		Path config = config("fenced", "1h", 2);
		Paused frozen = startPaused(config, List.of("-Dredoubt.lease-ttl-seconds=2"), "BEFORE_MANIFEST", "backup",
				"--source", "shop");
		signal(frozen.process, "STOP");
		try {
			CliProcess.Run[] taker = new CliProcess.Run[1];
			awaitUntil(Duration.ofMinutes(3), () -> {
				taker[0] = run(config, "backup", "--source", "shop", "--output", "json");
				assertThat(taker[0].exit()).as(taker[0].all()).isIn(0, 32);
				return taker[0].exit() == 0;
			}, "a backup taking the expired lease over");
			String takerId = history.acknowledge(taker[0]);

			signal(frozen.process, "CONT");
			frozen.resume();
			assertThat(frozen.exit()).as(frozen.log()).isEqualTo(32);
			assertThat(frozen.log()).contains("was taken over").contains("nothing of it is committed");
			CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
			assertThat(info.out()).contains(takerId);
			String frozenId = frozen.backupId();
			assertThat(objects("eu", "fenced")).as("no manifest of the fenced backup")
				.noneMatch((path) -> path.toString().contains(frozenId + "/manifest"));
			assertThat(history.check(config, "after a fenced writer")).isEqualTo(1);
		}
		finally {
			if (frozen.process.isAlive()) {
				signal(frozen.process, "CONT");
			}
		}
	}

	/**
	 * A verification of a backup that retention expires meanwhile used to write its
	 * record anyway, re-creating the expired backup's prefix as a leftover.
	 */
	@Test
	void aVerificationOfABackupExpiredMeanwhileRecreatesNothing() throws Exception {
		Path config = config("expiring", "1h", 1);
		String older = backupId(CliProcess.run(config, "backup", "--source", "shop", "--output", "json"));
		Paused verify = startPaused(config, "BEFORE_VERIFICATION_RECORD", "verify", "--source", "shop", "--backup",
				older);
		backupId(CliProcess.run(config, "backup", "--source", "shop", "--output", "json"));
		CliProcess.Run expire = CliProcess.run(config, "expire", "--source", "shop");
		assertThat(expire.exit()).as(expire.all()).isZero();
		assertThat(expire.out()).contains("expire " + older);

		verify.resume();
		assertThat(verify.exit()).as(verify.log()).isEqualTo(14);
		assertThat(verify.log()).contains("was expired while it was verified");
		for (String region : List.of("eu", "us")) {
			assertThat(objects(region, "expiring")).as(region).noneMatch((path) -> path.toString().contains(older));
		}
		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
		assertThat(info.out()).contains("\"incomplete\" : [ ]");
		assertThat(history.check(config, "after a verification of an expired backup")).isEqualTo(1);
	}

	/**
	 * Hostile input 46: a clock that jumps back an hour during a backup, and one an hour
	 * behind for a whole run. Ids stay unique and in the order the backups were taken,
	 * {@code latest} is the last one taken, and retention keeps it.
	 */
	@Test
	void aClockThatJumpsBackNeitherReordersBackupsNorMisleadsRetention() throws Exception {
		Path config = config("clock", "1h", 1);
		String first = backupId(CliProcess.run(config, "backup", "--source", "shop", "--output", "json"));
		String jumpedDuring = backupId(CliProcess.run(config, Map.of(), List.of("-Dredoubt.test.clock-jump=-PT1H"),
				"backup", "--source", "shop", "--output", "json"));
		String jumpedBefore = backupId(CliProcess.run(config, Map.of(),
				List.of("-Dredoubt.test.clock-jump=-PT1H", "-Dredoubt.test.clock-jump-after=0"), "backup", "--source",
				"shop", "--output", "json"));
		assertThat(List.of(first, jumpedDuring, jumpedBefore)).doesNotHaveDuplicates().isSorted();

		CliProcess.Run verify = CliProcess.run(config, "verify", "--source", "shop", "--backup", "latest");
		assertThat(verify.exit()).as(verify.all()).isZero();
		assertThat(verify.all()).contains(jumpedBefore);

		CliProcess.Run expire = CliProcess.run(config, Map.of(),
				List.of("-Dredoubt.test.clock-jump=-PT1H", "-Dredoubt.test.clock-jump-after=0"), "expire", "--source",
				"shop");
		assertThat(expire.exit()).as(expire.all()).isZero();
		assertThat(expire.out()).contains("keep   " + jumpedBefore).contains("expire " + first);
		assertThat(history.check(config, "after a clock that jumped back")).isEqualTo(1);
	}

	/** A run standing at a pause point until the test resumes it. */
	final class Paused {

		final Process process;

		final Path log;

		final Path resume;

		Paused(Process process, Path log, Path resume) {
			this.process = process;
			this.log = log;
			this.resume = resume;
		}

		void resume() throws IOException {
			Files.createFile(this.resume);
		}

		int exit() throws Exception {
			assertThat(this.process.waitFor(5, TimeUnit.MINUTES)).as("the run ends: " + log()).isTrue();
			return this.process.exitValue();
		}

		String log() throws IOException {
			return Files.readString(this.log);
		}

		String backupId() throws IOException {
			return log().replaceAll("(?s).*backup (\\d{8}T\\d{6}Z-[0-9a-f]{4}) of source.*", "$1");
		}

	}

	private Paused startPaused(Path config, String point, String... args) throws Exception {
		return startPaused(config, List.of(), point, args);
	}

	private Paused startPaused(Path config, List<String> options, String point, String... args) throws Exception {
		Path log = Files.createTempFile(work, "run-", ".log");
		Path resume = work.resolve("resume-" + log.getFileName());
		List<String> jvm = new ArrayList<>(options);
		jvm.addAll(List.of("-Dredoubt.test.pause-at=" + point, "-Dredoubt.test.resume-file=" + resume));
		Process process = CliProcess.start(config, log, jvm, args);
		this.started.add(process);
		Paused paused = new Paused(process, log, resume);
		awaitUntil(Duration.ofMinutes(3), () -> {
			try {
				return paused.log().contains("pause point " + point + " reached") || !process.isAlive();
			}
			catch (IOException ex) {
				return false;
			}
		}, "pause point " + point + " in " + log);
		assertThat(process.isAlive()).as("paused, not ended: " + paused.log()).isTrue();
		return paused;
	}

	private static CliProcess.Run run(Path config, String... args) {
		try {
			return CliProcess.run(config, args);
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static String backupId(CliProcess.Run backup) {
		return history.acknowledge(backup);
	}

	private static void signal(Process process, String signal) throws Exception {
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
		assertThat(kill.waitFor()).isZero();
	}

	private static void awaitUntil(Duration timeout, BooleanSupplier condition, String what) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out after " + timeout + " waiting for " + what);
			}
			Thread.sleep(100);
		}
	}

	/** A configuration writing under {@code prefix}. */
	private static Path config(String prefix, String grace, int keepLast) throws IOException {
		Path config = work.resolve(prefix + ".yaml");
		Files.writeString(config, """
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				      retention: { keep-last: %10$d, daily: 0, weekly: 0, monthly: 0, yearly: 0, grace: %8$s }
				  repositories:
				    - { name: eu, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: %9$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				    - { name: us, endpoint: "%6$s", region: us-east-1, bucket: %4$s, prefix: %9$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s }
				  encryption:
				    key-file: %7$s
				""".formatted(pg.cluster().port(), password, s3.region("eu").endpoint(), S3RegionsExtension.BUCKET,
				s3.secretKey().reveal(), s3.region("us").endpoint(), keyFile, grace, prefix, keepLast));
		return config;
	}

	private static List<Path> objects(String region, String prefix) throws IOException {
		return s3.objectFiles(region, prefix);
	}

}
