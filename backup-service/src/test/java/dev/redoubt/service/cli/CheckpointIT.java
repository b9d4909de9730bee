package dev.redoubt.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

/**
 * A safety point around a migration, through the CLI against a real PostgreSQL whose WAL
 * a running {@code wal-archiver} archives to two S3Proxy regions: {@code checkpoint}
 * returns once its segment is in both regions and records the Flyway version; a migration
 * then drops a column and rewrites the table; {@code restore --table --as-of
 * CHECKPOINT} brings the table back as it was (the dropped column included) and says that
 * the database is at another schema version, naming both, and brings it back masked
 * ({@code --mask}, a predicate judged on the original values); {@code info} lists the
 * checkpoint and both versions; hostile and repeated names are refused.
 */
class CheckpointIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of("checkpoint-" + Long.toHexString(System.nanoTime())),
			List.of("archive_mode=on", "wal_level=replica"));

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu", "us");

	static ArchivedSource shop;

	@BeforeAll
	static void archive() throws Exception {
		shop = ArchivedSource.start(pg, s3, "checkpoint", s3.region("eu").endpoint(), s3.region("us").endpoint());
		pg.sql("shop", """
				CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version text, success boolean);
				INSERT INTO flyway_schema_history VALUES (1, '41', true);
				CREATE TABLE orders (id int PRIMARY KEY, note text NOT NULL, legacy text);
				INSERT INTO orders SELECT g, 'order ' || g, 'legacy ' || g FROM generate_series(1, 3000) g;
				""");
		CliProcess.Run base = CliProcess.run(shop.config(), "backup", "--source", "shop", "--type", "base");
		assertThat(base.exit()).as(base.all()).isZero();
	}

	@AfterAll
	static void stop() {
		if (shop != null) {
			shop.close();
		}
	}

	@Test
	void aTableComesBackAsOfTheCheckpointAcrossAMigrationAndBothVersionsAreNamed(@TempDir Path work) throws Exception {
		String before = shop.fingerprint("orders");
		CliProcess.Run checkpoint = CliProcess.run(shop.config(), "checkpoint", "--source", "shop", "--name",
				"before-release-42", "--output", "json");
		assertThat(checkpoint.exit()).as(checkpoint.all()).isZero();
		JsonNode taken = ManifestCodec.json().readTree(checkpoint.out());
		assertThat(taken.path("schemaVersion").path("version").asString()).isEqualTo("41");
		assertThat(taken.path("schemaVersion").path("tool").asString()).isEqualTo("flyway");
		for (String region : List.of("eu", "us")) {
			assertThat(s3.objectDirectory(region, "checkpoint")
				.resolve(WalArchive.key("shop", taken.path("segment").asString())))
				.as("the restore point's segment was in " + region + " when checkpoint returned")
				.exists();
		}

		// the migration: a column dropped, the table rewritten, the version recorded
		pg.sql("shop", """
				ALTER TABLE orders DROP COLUMN legacy;
				UPDATE orders SET note = upper(note);
				INSERT INTO flyway_schema_history VALUES (2, '42', true);
				""");
		pg.sql("shop", "VACUUM FULL orders");
		shop.switchAndAwaitArchived();

		CliProcess.Run restore = CliProcess.run(shop.config(), "restore", "--source", "shop", "--table", "orders",
				"--as-of", "before-release-42", "--output", "json");
		assertThat(restore.exit()).as(restore.all()).isZero();
		assertThat(restore.err()).contains("checkpoint before-release-42 was taken at schema version 41 (flyway); "
				+ "database shop is at schema version 42 (flyway)");
		String restoredAs = ManifestCodec.json()
			.readTree(restore.out())
			.path("tables")
			.get(0)
			.path("restoredAs")
			.asString();
		assertThat(shop.fingerprint(restoredAs)).as("the table as it was, its dropped column included")
			.isEqualTo(before);
		assertThat(shop.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'legacy'"))
			.isEqualTo("1");

		// as of the checkpoint again, masked, the predicate judged on the original values
		Path policy = Files.writeString(work.resolve("orders-policy.yaml"), """
				rules:
				  - { column: public.orders.note, transform: redact }
				  - { table: public.orders, transform: keep }
				""");
		byte[] material = new byte[24];
		new java.security.SecureRandom().nextBytes(material);
		Path key = Files.writeString(work.resolve("masking.key"), java.util.HexFormat.of().formatHex(material) + "\n");
		CliProcess.Run masked = CliProcess.run(shop.config(), "restore", "--source", "shop", "--table", "orders",
				"--as-of", "before-release-42", "--where", "note LIKE 'order 1__'", "--into", "public.orders_masked",
				"--mask", policy.toString(), "--mask-key", key.toString());
		assertThat(masked.exit()).as(masked.all()).isZero();
		assertThat(shop.scalar("SELECT count(*) || ' ' || count(*) FILTER (WHERE note LIKE 'order%') || ' '"
				+ " || count(*) FILTER (WHERE legacy = 'legacy ' || id) || ' ' || min(id) || '-' || max(id)"
				+ " FROM orders_masked"))
			.as("rows, notes left, legacy kept, ids")
			.isEqualTo("100 0 100 100-199");

		CliProcess.Run info = CliProcess.run(shop.config(), "info", "--source", "shop", "--output", "json");
		assertThat(info.exit()).as(info.all()).isZero();
		JsonNode listed = ManifestCodec.json().readTree(info.out()).path("checkpoints");
		assertThat(listed.path("list").get(0).path("name").asString()).isEqualTo("before-release-42");
		assertThat(listed.path("list").get(0).path("schemaVersion").path("version").asString()).isEqualTo("41");
		assertThat(listed.path("schemaVersionNow").path("version").asString()).isEqualTo("42");
		assertThat(CliProcess.run(shop.config(), "info", "--source", "shop").out())
			.contains("1 checkpoint(s); the source is at schema version 42 (flyway) now")
			.contains("before-release-42")
			.contains("schema version 41 (flyway)");

		// refused: a hostile name, a name taken, a checkpoint that does not exist
		CliProcess.Run hostile = CliProcess.run(shop.config(), "checkpoint", "--source", "shop", "--name",
				"x'); SELECT pg_switch_wal(); --");
		assertThat(hostile.exit()).as(hostile.all()).isEqualTo(3);
		assertThat(hostile.err()).contains("is not a checkpoint name");
		CliProcess.Run again = CliProcess.run(shop.config(), "checkpoint", "--source", "shop", "--name",
				"before-release-42");
		assertThat(again.exit()).as(again.all()).isEqualTo(19);
		CliProcess.Run unknown = CliProcess.run(shop.config(), "restore", "--source", "shop", "--table", "orders",
				"--as-of", "before-release-43");
		assertThat(unknown.exit()).as(unknown.all()).isEqualTo(25);
		assertThat(unknown.err()).contains("neither a time nor a checkpoint").contains("[before-release-42]");
	}

}
