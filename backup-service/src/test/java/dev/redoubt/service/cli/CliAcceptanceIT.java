package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spine's acceptance, end to end through the packaged CLI: a real PostgreSQL, two
 * real S3 API servers, canary secrets that must never show up anywhere. In format 1
 * ({@code shared-chunks: false}): its crash points and damaged chunks run in format 2 in
 * {@code SharedChunksCliIT} and {@code S3FaultsIT}, which take the default.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliAcceptanceIT {

	static final String PG_CANARY = "pg-canary-" + Long.toHexString(System.nanoTime());

	static final String S3_CANARY = "s3-canary-" + Long.toHexString(System.nanoTime());

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension(Secret.of(PG_CANARY), List.of());

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension(Secret.of(S3_CANARY), "eu-west", "eu-central");

	@TempDir
	static Path work;

	static Path config;

	static Path keyFile;

	static DatabaseFingerprint sourceFingerprint;

	static int databases;

	static History history;

	@BeforeAll
	static void prepare() throws Exception {
		SampleDatabase.create(pg.cluster(), "shop", pg.scratch());
		history = new History(pg, "shop", "shop");
		sourceFingerprint = DatabaseFingerprint.take(pg.connection("shop"));
		keyFile = work.resolve("master.key");
		RepositoryKeys.generateKeyFile(keyFile);
		Path passwordFile = work.resolve("pg-password");
		Files.writeString(passwordFile, PG_CANARY + "\n");
		config = writeConfig("redoubt.yaml", s3.region("eu-central").endpoint().toString(), S3_CANARY, keyFile);
	}

	static Path writeConfig(String name, String centralEndpoint, String secretKey, Path key) throws IOException {
		int port = pg.cluster().port();
		String yaml = """
				redoubt:
				  sources:
				    shop:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				    wrongpassword:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password: not-the-password
				    rls:
				      url: jdbc:postgresql://127.0.0.1:%1$d/rlsdb
				      username: rls_reader
				      password: rls-reader-password
				    oldtools:
				      url: jdbc:postgresql://127.0.0.1:%1$d/shop
				      username: postgres
				      password-file: %2$s
				      pg-dump: %3$s
				  repositories:
				    - name: eu-west
				      endpoint: %4$s
				      region: eu-west-1
				      bucket: %5$s
				      prefix: cli
				      path-style: true
				      access-key: redoubt-test-access
				      secret-key: %6$s
				    - name: eu-central
				      endpoint: %7$s
				      region: eu-central-1
				      bucket: %5$s
				      prefix: cli
				      path-style: true
				      access-key: redoubt-test-access
				      secret-key: %8$s
				  encryption:
				    key-file: %9$s
				  backup:
				    workers: 2
				    chunk-size: 256KB
				    shared-chunks: false
				spring:
				  datasource:
				    url: jdbc:h2:file:%10$s
				""".formatted(port, work.resolve("pg-password"), work.resolve("old-pg_dump"),
				s3.region("eu-west").endpoint(), S3RegionsExtension.BUCKET, S3_CANARY, centralEndpoint, secretKey, key,
				work.resolve("jobs"));
		Path file = work.resolve(name);
		Files.writeString(file, yaml);
		return file;
	}

	static JsonNode json(String text) {
		return ManifestCodec.json().readTree(text);
	}

	static ConnectionSpec newDatabase() {
		return pg.createDatabase("restored_" + (++databases));
	}

	static CliProcess.Run restore(Path configFile, String backup, ConnectionSpec target) throws Exception {
		return CliProcess.run(configFile, "restore", "--source", "shop", "--backup", backup, "--target", target.url(),
				"--output", "json");
	}

	static String backup() throws Exception {
		CliProcess.Run run = CliProcess.run(config, "backup", "--source", "shop", "--output", "json");
		assertThat(run.exit()).as(run.all()).isZero();
		return history.acknowledge(json(run.out()).get("backupId").asString());
	}

	@Test
	@Order(1)
	void roundTripThroughTheCliRestoresEveryTableSequenceAndLargeObject() throws Exception {
		CliProcess.Run backup = CliProcess.run(config, "backup", "--source", "shop", "--output", "json");
		assertThat(backup.exit()).as(backup.all()).isZero();
		JsonNode result = json(backup.out());
		history.acknowledge(result.get("backupId").asString());
		assertThat(result.propertyNames()).containsExactly("source", "backupId", "tables", "rows", "chunks",
				"plainBytes", "storedBytes", "uploadedBytes", "durationMs");
		assertThat(result.get("uploadedBytes").asLong())
			.as("without shared chunks a backup uploads all it stores (a chunk twice in it, once)")
			.isLessThanOrEqualTo(result.get("storedBytes").asLong())
			.isGreaterThan(result.get("storedBytes").asLong() / 2);
		assertThat(result.get("rows").asLong()).isEqualTo(sourceFingerprint.totalRows()
				- Long.parseLong(sourceFingerprint.tables().get("public.order_totals").split(":")[0]));

		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
		assertThat(info.exit()).as(info.all()).isZero();
		assertThat(json(info.out()).propertyNames()).containsExactly("source", "backups", "incomplete");
		JsonNode listed = json(info.out()).get("backups").get(0);
		assertThat(listed.propertyNames()).containsExactly("id", "status", "type", "startedAt", "completedAt",
				"snapshotLsn", "database", "serverVersion", "tables", "rows", "storedBytes", "missingIn",
				"verification", "newBytes", "referencedBytes");
		assertThat(listed.get("newBytes").asLong() + listed.get("referencedBytes").asLong())
			.isEqualTo(listed.get("storedBytes").asLong());
		assertThat(listed.get("id").asString()).isEqualTo(result.get("backupId").asString());
		assertThat(listed.get("status").asString()).isEqualTo("complete");

		ConnectionSpec target = newDatabase();
		CliProcess.Run restore = restore(config, "latest", target);
		assertThat(restore.exit()).as(restore.all()).isZero();
		assertThat(json(restore.out()).propertyNames()).containsExactly("source", "backupId", "targetDatabase",
				"tables", "rows", "chunks", "storedBytes", "phases", "durationMs");
		assertThat(sourceFingerprint.differences(DatabaseFingerprint.take(target))).isEmpty();
	}

	@Test
	@Order(2)
	void eachRegionAloneRestoresTheWholeBackup() throws Exception {
		for (String lost : List.of("eu-west", "eu-central")) {
			String id = backup();
			deleteTree(s3.objectDirectory(lost, "cli").resolve("shop/backups/" + id));

			ConnectionSpec target = newDatabase();
			CliProcess.Run restore = restore(config, id, target);

			assertThat(restore.exit()).as(restore.all()).isZero();
			if (lost.equals("eu-west")) {
				// the first region is read first: every object falls back to the second
				assertThat(restore.err()).contains("is missing in region eu-west");
			}
			assertThat(sourceFingerprint.differences(DatabaseFingerprint.take(target))).isEmpty();
		}
	}

	@Test
	@Order(3)
	void aCrashAtAnyPointLeavesNoListedIncompleteBackupAndThePreviousOneRestores() throws Exception {
		String previous = backup();
		for (String point : List.of("during-chunk-upload", "before-manifest", "after-first-manifest")) {
			CliProcess.Run crashed = CliProcess.run(config, Map.of(), List.of("-Dredoubt.test.crash-at=" + point),
					"backup", "--source", "shop");
			assertThat(crashed.exit()).as(crashed.all()).isEqualTo(137);

			CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop", "--output", "json");
			JsonNode listing = json(info.out());
			assertThat(listing.get("backups").get(0).get("id").asString()).as(point).isEqualTo(previous);
			List<String> leftovers = new ArrayList<>();
			listing.get("incomplete").forEach((n) -> leftovers.add(n.get("id").asString()));
			assertThat(leftovers).as(point).isNotEmpty();
			assertThat(listing.get("incomplete").get(0).propertyNames()).containsExactly("id", "regions");
			assertThat(listing.get("incomplete").get(0).get("regions").get("eu-west").propertyNames())
				.containsExactly("objects", "bytes", "manifest", "lock");
			assertThat(listing.get("incomplete").get(0).get("regions").get("eu-west").get("objects").asInt()).as(point)
				.isPositive();
		}
		CliProcess.Run text = CliProcess.run(config, "info", "--source", "shop");
		assertThat(text.out()).contains("3 incomplete backup(s), not restorable; their objects are leftovers");

		ConnectionSpec target = newDatabase();
		CliProcess.Run restore = restore(config, "latest", target);
		assertThat(restore.exit()).as(restore.all()).isZero();
		assertThat(json(restore.out()).get("backupId").asString()).isEqualTo(previous);
		assertThat(sourceFingerprint.differences(DatabaseFingerprint.take(target))).isEmpty();
		// every backup listed restorable was acknowledged by its run, and restores as
		// taken
		assertThat(history.check(config, "after crashes at every step")).isGreaterThanOrEqualTo(2);
	}

	@Test
	@Order(4)
	void aCorruptChunkInOneRegionIsReadFromTheOtherAndInBothFailsClearly() throws Exception {
		String id = backup();
		Manifest manifest = manifest(id);
		String chunkKey = manifest.tables()
			.stream()
			.filter((t) -> t.name().equals("orders"))
			.findFirst()
			.orElseThrow()
			.chunks()
			.get(1)
			.key();
		flipByte(s3.objectDirectory("eu-west", "cli").resolve(chunkKey));

		ConnectionSpec target = newDatabase();
		CliProcess.Run restore = restore(config, id, target);
		assertThat(restore.exit()).as(restore.all()).isZero();
		assertThat(restore.err()).contains("object " + chunkKey + " in region eu-west is corrupt: sha256");
		assertThat(sourceFingerprint.differences(DatabaseFingerprint.take(target))).isEmpty();

		flipByte(s3.objectDirectory("eu-central", "cli").resolve(chunkKey));
		history.damaged(id);
		ConnectionSpec second = newDatabase();
		CliProcess.Run failed = restore(config, id, second);
		assertThat(failed.exit()).as(failed.all()).isEqualTo(11);
		assertThat(failed.err())
			.contains("redoubt: corrupt object: object " + chunkKey + " in region eu-central is corrupt")
			.contains("the restore stopped")
			.contains("\"public\".\"orders\"");
		assertThat(json(failed.out()).get("error").get("code").asString()).isEqualTo("CORRUPT_OBJECT");
		assertThat(DatabaseFingerprint.take(second).tables().get("public.orders")).startsWith("0:");
		assertThat(history.check(config, "after a chunk damaged in one region, then both")).isGreaterThanOrEqualTo(3);
	}

	@Test
	@Order(5)
	void badInputGetsASpecificErrorAndExitStatus() throws Exception {
		String id = backup();

		Path otherKey = work.resolve("other.key");
		RepositoryKeys.generateKeyFile(otherKey);
		Path wrongKey = writeConfig("wrong-key.yaml", s3.region("eu-central").endpoint().toString(), S3_CANARY,
				otherKey);
		expect(restore(wrongKey, id, newDatabase()), 10, "redoubt: wrong encryption key:");
		// environment variables override the file, as in Spring Boot
		expect(CliProcess.run(config, Map.of("REDOUBT_ENCRYPTION_KEYFILE", otherKey.toString()), List.of(), "restore",
				"--source", "shop", "--backup", id, "--target", newDatabase().url()), 10, "wrong encryption key");

		Path unreachable = writeConfig("unreachable.yaml", "http://127.0.0.1:9", S3_CANARY, keyFile);
		expect(CliProcess.run(unreachable, "backup", "--source", "shop"), 8, "region eu-central");

		Path badS3 = writeConfig("bad-s3.yaml", s3.region("eu-central").endpoint().toString(), "wrong-secret", keyFile);
		expect(CliProcess.run(badS3, "backup", "--source", "shop"), 9, "access denied");

		expect(CliProcess.run(config, "backup", "--source", "nope"), 4, "no source named 'nope'");
		expect(CliProcess.run(config, "backup", "--source", "wrongpassword"), 6, "authentication failed");
		expect(restore(config, id, pg.connection("shop")), 15, "target database shop is not empty");
		expect(restore(config, "not-an-id", newDatabase()), 14, "'not-an-id' is not a backup id");

		Path fakeDump = work.resolve("old-pg_dump");
		Files.writeString(fakeDump, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.9'\n");
		Files.setPosixFilePermissions(fakeDump, PosixFilePermissions.fromString("rwxr-xr-x"));
		expect(CliProcess.run(config, "backup", "--source", "oldtools"), 16,
				"is version 14.9, older than the server (15.");

		pg.sql("postgres", "CREATE DATABASE rlsdb");
		pg.sql("rlsdb", "CREATE ROLE rls_reader LOGIN PASSWORD 'rls-reader-password';"
				+ " CREATE TABLE docs (id int PRIMARY KEY, owner text); INSERT INTO docs VALUES (1, 'a'), (2, 'b');"
				+ " ALTER TABLE docs ENABLE ROW LEVEL SECURITY; CREATE POLICY mine ON docs USING (owner = current_user);"
				+ " GRANT SELECT ON docs TO rls_reader");
		expect(CliProcess.run(config, "backup", "--source", "rls"), 7, "row-level security");

		writeFutureVersionBackup(id);
		expect(restore(config, "29991231T235959Z-0000", newDatabase()), 13,
				"has format version 3; this build of redoubt reads versions 1 to 2");
		CliProcess.Run info = CliProcess.run(config, "info", "--source", "shop");
		assertThat(info.exit()).as(info.all()).isZero();
		assertThat(info.out()).contains("29991231T235959Z-0000  UNREADABLE: manifest of backup 29991231T235959Z-0000")
			.contains(id);
		for (String region : List.of("eu-west", "eu-central")) {
			deleteTree(s3.objectDirectory(region, "cli").resolve("shop/backups/29991231T235959Z-0000"));
		}
		assertThat(history.check(config, "after a wrong key, bad credentials and refused sources"))
			.isGreaterThanOrEqualTo(4);
	}

	@Test
	@Order(6)
	void noSecretReachesLogsOutputsRepositoryObjectsOrJobTables() throws Exception {
		List<String> places = new ArrayList<>(CliProcess.TRANSCRIPTS);
		assertThat(places).hasSizeGreaterThan(20);
		for (String region : List.of("eu-west", "eu-central")) {
			try (Stream<Path> files = Files.walk(s3.region(region).directory())) {
				for (Path file : files.filter(Files::isRegularFile).toList()) {
					places.add(file + "\n" + new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
				}
			}
		}
		String jobTables = jobTables();
		assertThat(jobTables).contains("logicalBackup").contains("shop");
		places.add(jobTables);
		String kek = Files.readString(keyFile).trim();
		String kekHex = java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(kek));

		for (String place : places) {
			assertThat(place).doesNotContain(PG_CANARY, S3_CANARY, kek, kekHex, "rls-reader-password");
		}
	}

	private static String jobTables() throws Exception {
		StringBuilder dump = new StringBuilder();
		try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + work.resolve("jobs"), "sa", "");
				Statement statement = connection.createStatement()) {
			List<String> tables = new ArrayList<>();
			ResultSet names = statement.executeQuery(
					"SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE 'BATCH_%' AND TABLE_TYPE = 'BASE TABLE'");
			while (names.next()) {
				tables.add(names.getString(1));
			}
			for (String table : tables) {
				ResultSet rows = statement.executeQuery("SELECT * FROM " + table);
				int columns = rows.getMetaData().getColumnCount();
				while (rows.next()) {
					for (int i = 1; i <= columns; i++) {
						dump.append(rows.getString(i)).append('\t');
					}
					dump.append('\n');
				}
			}
		}
		return dump.toString();
	}

	private static void expect(CliProcess.Run run, int exit, String message) {
		assertThat(run.exit()).as(run.all()).isEqualTo(exit);
		assertThat(run.err()).as(run.all()).contains(message);
	}

	private static Manifest manifest(String id) {
		try (Repository repository = new Repository(s3.multiRegion("cli"), RepositoryKeys.fromKeyFile(keyFile))) {
			return repository.readManifest("shop", BackupId.parse(id));
		}
	}

	/**
	 * A correctly signed manifest that claims a format version this build does not know.
	 */
	private static void writeFutureVersionBackup(String existing) {
		RepositoryKeys keys = RepositoryKeys.fromKeyFile(keyFile);
		Manifest current = manifest(existing);
		Manifest future = new Manifest(Manifest.NEWEST_FORMAT_VERSION + 1, "29991231T235959Z-0000", current.type(),
				current.startedAt(), current.completedAt(), current.source(), current.snapshot(), current.dataKey(),
				current.schema(), current.tables(), current.sequences(), current.largeObjects(),
				current.materializedViews(), current.tools(), current.schemaVersion());
		byte[] bytes = ManifestCodec.encode(future, keys.signingKey());
		try (var store = s3.multiRegion("cli")) {
			store.createEverywhere(RepositoryLayout.manifest("shop", BackupId.parse("29991231T235959Z-0000")), bytes,
					bytes.length);
		}
	}

	private static void flipByte(Path file) throws IOException {
		byte[] bytes = Files.readAllBytes(file);
		bytes[bytes.length / 2] ^= 0x40;
		Files.write(file, bytes);
	}

	private static void deleteTree(Path root) {
		assertThat(root).exists();
		DirectoryTree.delete(root);
	}

}
