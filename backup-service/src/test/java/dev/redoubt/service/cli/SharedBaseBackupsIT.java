package dev.redoubt.service.cli;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import tools.jackson.databind.JsonNode;

import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base backups that share chunks (item 2 of issue 16, at chunk granularity): a base
 * backup after a small change uploads only the slices of the tar stream that changed,
 * since a large file's chunks are fixed slices of it and equal slices are stored once;
 * each base backup recovers alone; expiring the first and sweeping never touches what the
 * second names. Real PostgreSQL with WAL archived to two S3Proxy regions.
 */
class SharedBaseBackupsIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("shared-" + Long.toHexString(System.nanoTime())),
			List.of("archive_mode=on", "wal_level=replica", "max_wal_size=256MB"));

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static ArchivedSource shop;

	@BeforeAll
	static void archive() throws Exception {
		shop = ArchivedSource.start(pg, s3, "sharedbase", s3.region("eu").endpoint(), s3.region("us").endpoint());
		String config = Files.readString(shop.config());
		Files.writeString(shop.config(),
				config.replace("    chunk-size: 256KB\n", "    chunk-size: 256KB\n    shared-chunks: true\n"));
		pg.sql("shop", "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 300000) g");
		pg.sql("shop", "CREATE TABLE small (id int PRIMARY KEY, note text)");
	}

	@AfterAll
	static void stop() {
		if (shop != null) {
			shop.close();
		}
	}

	@Test
	void aSecondBaseBackupUploadsWhatChangedAndEachRecoversAloneAfterTheFirstExpires() throws Exception {
		JsonNode first = base();
		assertThat(first.get("uploadedBytes").asLong())
			.as("the first uploads all it stores but for equal slices "
					+ "within it (template databases' catalogs are alike)")
			.isLessThanOrEqualTo(first.get("storedBytes").asLong())
			.isGreaterThan(first.get("storedBytes").asLong() / 2);
		pg.sql("shop", "INSERT INTO small SELECT g, 'after the first' FROM generate_series(1, 100) g");
		shop.switchAndAwaitArchived();
		JsonNode second = base();
		assertThat(second.get("uploadedBytes").asLong())
			.as("the unchanged slices of big (and of the catalogs) are referenced, not uploaded again")
			.isLessThan(second.get("storedBytes").asLong() / 2)
			.isPositive();
		// the WAL up to the second's end archived (a row first: a switch of an empty
		// segment is no switch)
		pg.sql("shop", "INSERT INTO small VALUES (1000, 'after the second')");
		shop.switchAndAwaitArchived();

		for (JsonNode backup : List.of(first, second)) {
			CliProcess.Run verify = CliProcess.run(shop.config(), "verify", "--source", "shop", "--type", "base",
					"--backup", backup.get("backupId").asString());
			assertThat(verify.exit()).as(verify.all()).isZero();
		}

		Files.writeString(shop.config(), Files.readString(shop.config())
			.replace("      password-file:", "      retention: { keep-last: 1, daily: 0, weekly: 0, monthly: 0, "
					+ "yearly: 0, grace: 0s }\n      password-file:"));
		CliProcess.Run expire = CliProcess.run(shop.config(), "expire", "--source", "shop", "--output", "json");
		assertThat(expire.exit()).as(expire.all()).isZero();
		JsonNode report = ManifestCodec.json().readTree(expire.out());
		assertThat(report.get("expired").get(0).asString()).isEqualTo(first.get("backupId").asString());
		assertThat(report.get("sharedChunks").get("swept").asInt()).as("the first's own slices").isPositive();

		CliProcess.Run verify = CliProcess.run(shop.config(), "verify", "--source", "shop", "--type", "base",
				"--backup", second.get("backupId").asString());
		assertThat(verify.exit()).as("the second still recovers alone: " + verify.all()).isZero();
		CliProcess.Run check = CliProcess.run(shop.config(), "repo-check", "--source", "shop", "--output", "json");
		assertThat(check.exit()).as(check.all()).isZero();
	}

	private static JsonNode base() throws Exception {
		CliProcess.Run backup = CliProcess.run(shop.config(), "backup", "--source", "shop", "--type", "base",
				"--output", "json");
		assertThat(backup.exit()).as(backup.all()).isZero();
		return ManifestCodec.json().readTree(backup.out());
	}

}
