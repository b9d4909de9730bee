package dev.redoubt.service.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared chunks through the CLI, as an operator runs them: backups killed at every step
 * between nightly backups that share chunks lose nothing (the history checker restores
 * every backup listed), the next backup completes what a killed one left half uploaded,
 * {@code expire} sweeps what no manifest names, {@code repo-check} finds the repository
 * whole, and {@code info} says what each backup added.
 */
class SharedChunksCliIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	@Test
	void backupsKilledAtEveryStepLoseNothingAndTheSweepLeavesTheRepositoryWhole() throws Exception {
		SampleDatabase.create(pg.cluster(), "shop", pg.scratch());
		History history = new History(pg, "shop", "shop");
		Path config = config();

		String first = history.acknowledge(CliProcess.run(config, "backup", "--source", "shop", "--output", "json"));
		pg.sql("shop", "UPDATE public.orders SET amount = amount + 1 WHERE id > 59000");
		pg.sql("shop", "REFRESH MATERIALIZED VIEW public.order_totals");
		for (String point : List.of("during-chunk-upload", "before-manifest", "after-first-manifest")) {
			CliProcess.Run crashed = CliProcess.run(config, Map.of(), List.of("-Dredoubt.test.crash-at=" + point),
					"backup", "--source", "shop");
			assertThat(crashed.exit()).as(point + ": " + crashed.all()).isEqualTo(137);
		}
		CliProcess.Run nightly = CliProcess.run(config, "backup", "--source", "shop", "--output", "json");
		String second = history.acknowledge(nightly);
		JsonNode taken = ManifestCodec.json().readTree(nightly.out());
		assertThat(taken.get("uploadedBytes").asLong()).as("the killed runs left most of it uploaded already")
			.isLessThan(taken.get("storedBytes").asLong() / 2);
		assertThat(history.check(config, "after backups killed at every step")).isGreaterThanOrEqualTo(2);

		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
		JsonNode backups = ManifestCodec.json().readTree(info.out()).get("backups");
		JsonNode newest = backups.get(0);
		assertThat(newest.get("id").asString()).isEqualTo(second);
		assertThat(newest.get("newBytes").asLong() + newest.get("referencedBytes").asLong())
			.isEqualTo(newest.get("storedBytes").asLong());
		assertThat(newest.get("referencedBytes").asLong()).as("shared with the first backup").isPositive();
		assertThat(CliProcess.run(config, "info", "--source", "shop").out()).contains("shared with older backups");

		CliProcess.Run expire = CliProcess.run(config, "expire", "--source", "shop", "--output", "json");
		assertThat(expire.exit()).as(expire.all()).isZero();
		JsonNode swept = ManifestCodec.json().readTree(expire.out());
		assertThat(swept.get("expired").get(0).asString()).isEqualTo(first);
		assertThat(swept.get("sharedChunks").get("swept").asInt())
			.as("the first backup's own chunks, and what the killed runs left")
			.isPositive();
		CliProcess.Run check = CliProcess.run(config, "repo-check", "--source", "shop", "--output", "json");
		assertThat(check.exit()).as(check.all()).isZero();
		assertThat(ManifestCodec.json().readTree(check.out()).get("problems")).isEmpty();
		assertThat(history.check(config, "after the sweep")).isEqualTo(1);
	}

	private static Path config() throws Exception {
		Path keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path password = work.resolve("pg-password");
		Files.writeString(password, pg.password().reveal() + "\n");
		Path config = work.resolve("redoubt.yaml");
		Files.writeString(config,
				"""
						redoubt:
						  sources:
						    shop:
						      url: jdbc:postgresql://127.0.0.1:%1$d/shop
						      username: postgres
						      password-file: %2$s
						      retention: { keep-last: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0, grace: 0s }
						  repositories:
						    - { name: eu-west, endpoint: "%3$s", region: eu-west-1, bucket: %4$s, prefix: shared, path-style: true,
						        access-key: redoubt-test-access, secret-key: %5$s }
						    - { name: eu-central, endpoint: "%6$s", region: eu-central-1, bucket: %4$s, prefix: shared,
						        path-style: true, access-key: redoubt-test-access, secret-key: %5$s }
						  encryption:
						    key-file: %7$s
						  backup:
						    workers: 2
						    chunk-size: 256KB
						    shared-chunks: true
						"""
					.formatted(pg.cluster().port(), password, s3.region("eu-west").endpoint(),
							S3RegionsExtension.BUCKET, s3.secretKey().reveal(), s3.region("eu-central").endpoint(),
							keyFile));
		return config;
	}

}
