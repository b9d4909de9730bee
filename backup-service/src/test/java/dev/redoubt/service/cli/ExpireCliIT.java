package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code redoubt expire} against a real PostgreSQL and two S3Proxy regions: a region that
 * cannot be listed deletes nothing, a dry run deletes nothing, the newest verified backup
 * survives a policy that would drop it, a backup in flight is left alone until it is
 * older than the grace period, and Object Lock keeps what it protects.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExpireCliIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("expire-" + Long.toHexString(System.nanoTime())),
			List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static Path work;

	static Path keyFile;

	static Path password;

	static List<String> ids = new java.util.ArrayList<>();

	/**
	 * Region us, behind a proxy that takes it down and brings it back on one endpoint.
	 */
	static dev.redoubt.testing.FaultProxy us;

	@BeforeAll
	static void takeFourBackupsAndVerifyTheSecond() throws Exception {
		work = Files.createTempDirectory("redoubt-expire-");
		keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		pg.createDatabase("shop");
		pg.sql("shop", "CREATE TABLE items (id int PRIMARY KEY, name text);"
				+ " INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 2000) g");
		us = new dev.redoubt.testing.FaultProxy(s3.region("us").endpoint());
		Path config = config("expire", "1h", "");
		for (int i = 0; i < 4; i++) {
			pg.sql("shop", "INSERT INTO items VALUES (" + (10_000 + i) + ", 'more')");
			CliProcess.Run backup = CliProcess.run(config, "backup", "--source", "shop", "--output", "json");
			assertThat(backup.exit()).as(backup.all()).isZero();
			ids.add(backup.out().replaceAll("(?s).*\"backupId\" : \"([^\"]+)\".*", "$1"));
		}
		CliProcess.Run verify = CliProcess.run(config, "verify", "--source", "shop", "--backup", ids.get(1));
		assertThat(verify.exit()).as(verify.all()).isZero();
		// a backup that died before its manifest: a leftover, young
		CliProcess.Run crashed = CliProcess.run(config, Map.of(), List.of("-Dredoubt.test.crash-at=BEFORE_MANIFEST"),
				"backup", "--source", "shop");
		assertThat(crashed.exit()).isEqualTo(137);
	}

	@AfterAll
	static void clean() throws IOException {
		us.close();
		DirectoryTree.delete(work);
	}

	@Test
	@Order(1)
	void aRegionThatCannotBeListedDeletesNothing() throws Exception {
		List<Path> before = objects("eu", "expire");
		us.when((request) -> true, dev.redoubt.testing.FaultProxy.unreachable(), -1);
		CliProcess.Run expire;
		try {
			expire = CliProcess.run(config("expire", "0s", ""), "expire", "--source", "shop");
		}
		finally {
			us.reset();
		}
		assertThat(expire.exit()).as(expire.all()).isEqualTo(8);
		assertThat(expire.err()).contains("us");
		assertThat(objects("eu", "expire")).isEqualTo(before);
	}

	@Test
	@Order(2)
	void aDryRunNamesWhatWouldGoAndDeletesNothing() throws Exception {
		List<Path> before = objects("eu", "expire");
		CliProcess.Run dry = CliProcess.run(config("expire", "1h", ""), "expire", "--source", "shop", "--dry-run",
				"--output", "json");
		assertThat(dry.exit()).as(dry.all()).isZero();
		assertThat(dry.out()).contains("\"dryRun\" : true").contains(ids.get(0)).contains(ids.get(2));
		assertThat(objects("eu", "expire")).isEqualTo(before);
	}

	@Test
	@Order(3)
	void keepsTheNewestAndTheNewestVerifiedAndLeavesABackupInFlight() throws Exception {
		CliProcess.Run expire = CliProcess.run(config("expire", "1h", ""), "expire", "--source", "shop");
		assertThat(expire.exit()).as(expire.all()).isZero();
		assertThat(expire.out()).contains("keep   " + ids.get(3) + "  last-1")
			.contains("keep   " + ids.get(1) + "  newest-verified")
			.contains("expire " + ids.get(0))
			.contains("expire " + ids.get(2))
			.contains("in flight");
		CliProcess.Run info = CliProcess.run(config("expire", "1h", ""), "info", "--source", "shop", "--output",
				"json");
		assertThat(info.out()).contains(ids.get(3))
			.contains(ids.get(1))
			.doesNotContain(ids.get(0))
			.doesNotContain(ids.get(2));
		for (String region : List.of("eu", "us")) {
			assertThat(objects(region, "expire")).noneMatch((path) -> path.toString().contains(ids.get(0)))
				.noneMatch((path) -> path.toString().contains(ids.get(2)));
		}
		// the kept backups are whole: the newest still restores and verifies
		CliProcess.Run verify = CliProcess.run(config("expire", "1h", ""), "verify", "--source", "shop", "--backup",
				"latest");
		assertThat(verify.exit()).as(verify.all()).isZero();
		// once older than the grace period, the leftover goes too
		CliProcess.Run later = CliProcess.run(config("expire", "0s", ""), "expire", "--source", "shop");
		assertThat(later.exit()).as(later.all()).isZero();
		assertThat(later.out()).contains("1 leftover(s)").doesNotContain("in flight");
		CliProcess.Run infoAfter = CliProcess.run(config("expire", "0s", ""), "info", "--source", "shop", "--output",
				"json");
		assertThat(infoAfter.out()).contains("\"incomplete\" : [ ]");
	}

	@Test
	@Order(4)
	void objectLockKeepsWhatItProtects() throws Exception {
		String lock = "object-lock: { mode: GOVERNANCE, retain-for: 1d }";
		Path config = config("locked", "0s", lock);
		for (int i = 0; i < 2; i++) {
			CliProcess.Run backup = CliProcess.run(config, "backup", "--source", "shop");
			assertThat(backup.exit()).as(backup.all()).isZero();
		}
		List<Path> before = backupObjects("locked");
		CliProcess.Run expire = CliProcess.run(config, "expire", "--source", "shop");
		assertThat(expire.exit()).as(expire.all()).isZero();
		assertThat(expire.out()).contains("locked ").contains("under Object Lock left until");
		// the sweep of shared chunks takes (and gives back) the source's lease
		assertThat(backupObjects("locked")).as("every backup and chunk under Object Lock").isEqualTo(before);
	}

	/** A configuration writing under {@code prefix}, keeping only the newest backup. */
	private static Path config(String prefix, String grace, String regionExtra) throws IOException {
		Path config = work.resolve(prefix + "-" + grace + ".yaml");
		String extra = regionExtra.isEmpty() ? "" : ", " + regionExtra;
		Files.writeString(config, """
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				      retention: { keep-last: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0, grace: %8$s }
				  repositories:
				    - { name: eu, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: %9$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s %10$s }
				    - { name: us, endpoint: "%6$s", region: us-east-1, bucket: %4$s, prefix: %9$s, path-style: true,
				        access-key: redoubt-test-access, secret-key: %5$s %10$s }
				  encryption:
				    key-file: %7$s
				""".formatted(pg.cluster().port(), password, s3.region("eu").endpoint(), S3RegionsExtension.BUCKET,
				s3.secretKey().reveal(), us.endpoint(), keyFile, grace, prefix, extra));
		return config;
	}

	private static List<Path> objects(String region, String prefix) throws IOException {
		return s3.objectFiles(region, prefix);
	}

	/** Region eu's objects but the source's lease. */
	private static List<Path> backupObjects(String prefix) throws IOException {
		return objects("eu", prefix).stream().filter((path) -> !path.toString().contains("/lease/")).toList();
	}

}
