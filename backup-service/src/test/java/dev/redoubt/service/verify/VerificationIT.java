package dev.redoubt.service.verify;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.ContentHash;
import dev.redoubt.core.codec.EncodedChunk;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.service.backup.LogicalBackup;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.verify.DatabaseFingerprint;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.Verifier;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;
import dev.redoubt.verify.check.VerifySettings;
import dev.redoubt.verify.report.ReportWriter;
import dev.redoubt.restore.sandbox.SandboxKind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verifier against real PostgreSQL and S3 API servers: a sound backup passes all ten
 * checks; for each check, exactly its fault is injected (into the repository, or into the
 * sandbox between restore and checks) and that check turns red, the report names it, and
 * the backup is not marked verified.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class VerificationIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	static ConnectionSpec source;

	static RepositoryKeys keys;

	static Path sandboxes;

	/** A backup nobody tampers with, for faults injected into the sandbox. */
	static BackupId sound;

	/** The source as the sound backup took it (the history check). */
	static DatabaseFingerprint atSound;

	static final List<String> ALL_CHECKS = List.of("manifest", "chunks", "schema", "row-counts", "content-hash",
			"sequences", "indexes", "constraints", "smoke-queries", "schema-version");

	static final VerifySettings SETTINGS = new VerifySettings(
			List.of(new VerifySettings.SmokeQuery("orders exist", "SELECT count(*) > 0 FROM public.orders", null),
					new VerifySettings.SmokeQuery("order count", "SELECT count(*) FROM public.orders", "60000")),
			null, null, 2);

	@BeforeAll
	static void sourceAndOneSoundBackup() throws Exception {
		SampleDatabase.create(pg.cluster(), "shop", pg.scratch());
		// a Flyway history, and a B-tree index ordered by a comparison function (what a
		// collation is to text): replacing the function later breaks the index's order
		pg.sql("shop", """
				CREATE TABLE public.flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50),
				    description varchar(200), success boolean NOT NULL);
				INSERT INTO public.flyway_schema_history VALUES (1, '1', 'init', true), (2, '2', 'orders', true),
				    (3, '3', 'lines', true), (4, '4', 'failed attempt', false);
				CREATE FUNCTION public.cmp_int(int, int) RETURNS int LANGUAGE sql IMMUTABLE
				    AS 'SELECT CASE WHEN $1 < $2 THEN -1 WHEN $1 > $2 THEN 1 ELSE 0 END';
				CREATE OPERATOR CLASS public.int4_custom_ops FOR TYPE int4 USING btree AS
				    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
				    FUNCTION 1 public.cmp_int(int, int);
				CREATE INDEX orders_customer_custom_idx ON public.orders (customer_id public.int4_custom_ops);
				""");
		source = pg.connection("shop");
		RepositoryKeys.generateKeyFile(work.resolve("master.key"));
		keys = RepositoryKeys.fromKeyFile(work.resolve("master.key"));
		sandboxes = work.resolve("sandboxes");
		// as root the sandbox's server runs as postgres, which must be able to pass
		// through
		Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
		sound = backup("sound");
		atSound = DatabaseFingerprint.take(source);
	}

	@AfterEach
	void noSandboxLeft() throws Exception {
		if (!Files.isDirectory(sandboxes)) {
			return;
		}
		try (Stream<Path> left = Files.list(sandboxes)) {
			assertThat(left).as("sandboxes left behind").isEmpty();
		}
	}

	@Test
	void soundBackupPassesEveryCheckAndIsRecordedVerifiedInEveryRegion() throws Exception {
		VerificationReport report = verify("sound", sound, SETTINGS, (t) -> {
		}, (t) -> {
		});

		assertThat(report.checks()).extracting(CheckResult::id).containsExactlyElementsOf(ALL_CHECKS);
		assertThat(report.checks())
			.allSatisfy((c) -> assertThat(c.status()).as(c.id() + ": " + c.detail()).isEqualTo(CheckStatus.PASSED));
		assertThat(report.verified()).isTrue();
		assertThat(report.restoreDuration()).isPositive();
		assertThat(report.sandboxKind()).isEqualTo("local");
		assertThat(report.schemaVersion().version()).isEqualTo("3");
		assertThat(detail(report, "constraints")).contains("37 foreign keys validated");
		assertThat(detail(report, "indexes")).contains("pass bt_index_check");
		try (Repository repository = repository("sound")) {
			List<VerificationRecord> records = repository.verifications("shop", sound);
			assertThat(records).isNotEmpty();
			VerificationRecord last = records.get(records.size() - 1);
			assertThat(last.verified()).isTrue();
			assertThat(last.region()).isEqualTo("eu-west");
			assertThat(last.checks()).hasSize(10);
		}
		for (String region : List.of("eu-west", "eu-central")) {
			Path records = s3.objectDirectory(region, "sound").resolve("shop/backups/" + sound + "/verifications");
			try (Stream<Path> files = Files.list(records)) {
				assertThat(files).as("verification record in " + region).isNotEmpty();
			}
		}

		Path reports = work.resolve("reports-sound");
		ReportWriter.write(report, reports);
		String json = Files.readString(reports.resolve(ReportWriter.JSON));
		var tree = ManifestCodec.json().readTree(json);
		assertThat(tree.path("verified").asBoolean()).isTrue();
		assertThat(tree.path("checks").size()).isEqualTo(10);
		assertThat(tree.path("restoreSeconds").asDouble()).isPositive();
		Document junit = DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(reports.resolve(ReportWriter.JUNIT).toFile());
		assertThat(junit.getDocumentElement().getAttribute("tests")).isEqualTo("10");
		assertThat(junit.getDocumentElement().getAttribute("failures")).isEqualTo("0");
		String html = Files.readString(reports.resolve(ReportWriter.HTML));
		assertThat(html).contains("Verified").contains("Content hash per table").contains("class=\"bar\"");
	}

	@Test
	void tamperedManifestFailsTheManifestCheck() throws Exception {
		BackupId id = backup("m-manifest");
		Path manifest = object("m-manifest", id, "manifest");
		// one digit of a row count changed, the signature left as it was
		byte[] bytes = Files.readAllBytes(manifest);
		int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("\"rows\"");
		while (!Character.isDigit(bytes[at])) {
			at++;
		}
		bytes[at] = (byte) ((bytes[at] == '9') ? '8' : bytes[at] + 1);
		Files.write(manifest, bytes);

		VerificationReport report = verify("m-manifest", id, SETTINGS, null, null);

		assertRed(report, "manifest", "signature");
		assertThat(status(report, "row-counts")).isEqualTo(CheckStatus.SKIPPED);
	}

	@Test
	void flippedByteInAChunkFailsTheChunkCheck() throws Exception {
		BackupId id = backup("m-flip");
		ChunkRef chunk = firstChunk("m-flip", id, "orders");
		Path file = object("m-flip", id, "chunks/" + chunk.id());
		byte[] bytes = Files.readAllBytes(file);
		bytes[bytes.length / 2] ^= 0x01;
		Files.write(file, bytes);

		VerificationReport report = verify("m-flip", id, SETTINGS, null, null);

		assertRed(report, "chunks", chunk.key());
		assertThat(detail(report, "chunks")).contains("eu-west");
	}

	@Test
	void deletedChunkFailsTheChunkCheck() throws Exception {
		BackupId id = backup("m-delete");
		ChunkRef chunk = firstChunk("m-delete", id, "order_lines");
		Files.delete(object("m-delete", id, "chunks/" + chunk.id()));

		VerificationReport report = verify("m-delete", id, SETTINGS, null, null);

		assertRed(report, "chunks", chunk.key());
	}

	@Test
	void rowDroppedFromAChunkAndReSignedFailsTheRowCountCheck() throws Exception {
		BackupId id = backup("m-drop");
		rewriteChunk("m-drop", id, "orders", (rows) -> rows.subList(0, rows.size() - 1), false);

		VerificationReport report = verify("m-drop", id, SETTINGS, null, null);

		assertRed(report, "row-counts", "\"public\".\"orders\" has 59999 rows, the manifest records 60000");
	}

	@Test
	void valueChangedInAChunkAndReSignedFailsTheContentHashCheck() throws Exception {
		BackupId id = backup("m-value");
		rewriteChunk("m-value", id, "event_log", (rows) -> {
			List<String> changed = new ArrayList<>(rows);
			changed.set(0, changed.get(0).replace("same message", "other message"));
			return changed;
		}, false);

		VerificationReport report = verify("m-value", id, SETTINGS, null, null);

		assertRed(report, "content-hash", "\"public\".\"event_log\" hashes to");
		assertThat(status(report, "row-counts")).isEqualTo(CheckStatus.PASSED);
	}

	@Test
	void rowViolatingAForeignKeyFailsTheConstraintCheck() throws Exception {
		BackupId id = backup("m-fk");
		rewriteChunk("m-fk", id, "order_lines", (rows) -> {
			List<String> more = new ArrayList<>(rows);
			more.add("999999\t7\tSKU-GHOST\t1\n");
			return more;
		}, true);

		VerificationReport report = verify("m-fk", id, SETTINGS, null, null);

		assertRed(report, "constraints", "order_lines_order_id_fkey");
		assertThat(detail(report, "constraints")).contains("999999");
		assertThat(status(report, "row-counts")).isEqualTo(CheckStatus.PASSED);
		assertThat(status(report, "content-hash")).isEqualTo(CheckStatus.PASSED);
	}

	@Test
	void changedComparisonBreaksTheIndexAndFailsTheIndexCheck() throws Exception {
		VerificationReport report = verify("sound", sound, SETTINGS, null,
				(target) -> sql(target, "CREATE OR REPLACE FUNCTION public.cmp_int(int, int) RETURNS int"
						+ " LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN $1 < $2 THEN 1 WHEN $1 > $2 THEN -1 ELSE 0 END'"));

		assertRed(report, "indexes", "orders_customer_custom_idx");
	}

	@Test
	void sequenceMovedAfterRestoreFailsTheSequenceCheck() throws Exception {
		VerificationReport report = verify("sound", sound, SETTINGS, null,
				(target) -> sql(target, "SELECT setval('public.invoice_no', 5000)"));

		assertRed(report, "sequences", "\"public\".\"invoice_no\" is at 5000");
	}

	@Test
	void smokeQueryWithAnotherResultFailsTheSmokeQueryCheck() throws Exception {
		VerifySettings settings = new VerifySettings(
				List.of(new VerifySettings.SmokeQuery("one order only", "SELECT count(*) FROM public.orders", "1")),
				null, null, 2);

		VerificationReport report = verify("sound", sound, settings, null, null);

		assertRed(report, "smoke-queries", "one order only returned '60000', expected '1'");
	}

	@Test
	void errorWhileRestoringTheSchemaFailsTheSchemaCheck() throws Exception {
		VerificationReport report = verify("sound", sound, SETTINGS, (target) -> sql(target,
				"CREATE FUNCTION public.touch_line() RETURNS trigger LANGUAGE plpgsql" + " AS 'BEGIN RETURN NEW; END'"),
				null);

		assertRed(report, "schema", "already exists");
		assertThat(status(report, "row-counts")).isEqualTo(CheckStatus.SKIPPED);
	}

	@Test
	void schemaVersionOtherThanRecordedFailsTheSchemaVersionCheck() throws Exception {
		VerificationReport report = verify("sound", sound, SETTINGS, null,
				(target) -> sql(target, "INSERT INTO public.flyway_schema_history VALUES (5, '5', 'later', true)"));

		assertRed(report, "schema-version", "is at version 5, the manifest records 3");
	}

	/**
	 * The history check of failure test 10, after every fault: exactly the damaged
	 * backups failed. The sound backup, whose sandboxes the faults broke, still verifies
	 * green and restores to what it was taken from; each backup damaged in the repository
	 * is recorded as failed, never as verified.
	 */
	@Test
	@Order(Integer.MAX_VALUE)
	void afterEveryFaultExactlyTheDamagedBackupsAreRecordedFailed() throws Exception {
		VerificationReport again = verify("sound", sound, SETTINGS, null, null);
		assertThat(again.verified()).as(again.failures().toString()).isTrue();
		try (Repository repository = repository("sound")) {
			ConnectionSpec target = pg.createDatabase("history_sound");
			new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("shop").backup(sound).target(target).jobs(1).build());
			assertThat(atSound.differences(DatabaseFingerprint.take(target)))
				.as("the sound backup restores to the source as it took it")
				.isEmpty();
		}
		List<String> damaged = PREFIXES.values().stream().filter((prefix) -> !prefix.equals("sound")).toList();
		assertThat(damaged).as("the backups the fault tests damaged").hasSizeGreaterThanOrEqualTo(6);
		for (Map.Entry<String, String> backup : PREFIXES.entrySet()) {
			try (Repository repository = repository(backup.getValue())) {
				List<VerificationRecord> records = repository.verifications("shop", BackupId.parse(backup.getKey()));
				assertThat(records).as("verification records of " + backup.getValue()).isNotEmpty();
				if (backup.getValue().equals("sound")) {
					// faults in its sandboxes failed some verifications of it; the last
					// is
					// this one
					assertThat(records.get(records.size() - 1).verified()).isTrue();
				}
				else {
					assertThat(records).as(backup.getValue()).noneMatch(VerificationRecord::verified);
				}
			}
		}
	}

	private static void assertRed(VerificationReport report, String check, String detail) throws Exception {
		assertThat(report.verified()).as("verified").isFalse();
		assertThat(status(report, check)).as(check + ": " + detail(report, check)).isEqualTo(CheckStatus.FAILED);
		assertThat(detail(report, check)).contains(detail);
		// the report names it, and the repository does not hold the backup as verified
		Path reports = work.resolve("reports-" + check);
		ReportWriter.write(report, reports);
		Document junit = DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(reports.resolve(ReportWriter.JUNIT).toFile());
		assertThat(junit.getElementsByTagName("failure").getLength()).isPositive();
		assertThat(Files.readString(reports.resolve(ReportWriter.JUNIT))).contains("type=\"" + check + "\"");
		assertThat(Files.readString(reports.resolve(ReportWriter.HTML))).contains("Verification failed");
		try (Repository repository = repository(prefixOf(report))) {
			List<VerificationRecord> records = repository.verifications("shop", BackupId.parse(report.backupId()));
			VerificationRecord last = records.get(records.size() - 1);
			assertThat(last.verified()).isFalse();
			assertThat(last.checks()).anySatisfy((c) -> {
				assertThat(c.id()).isEqualTo(check);
				assertThat(c.status()).isEqualTo("failed");
			});
		}
	}

	private static final java.util.Map<String, String> PREFIXES = new java.util.concurrent.ConcurrentHashMap<>();

	private static String prefixOf(VerificationReport report) {
		return PREFIXES.get(report.backupId());
	}

	private static CheckStatus status(VerificationReport report, String check) {
		return report.checks().stream().filter((c) -> c.id().equals(check)).findFirst().orElseThrow().status();
	}

	private static String detail(VerificationReport report, String check) {
		return report.checks().stream().filter((c) -> c.id().equals(check)).findFirst().orElseThrow().detail();
	}

	private static Repository repository(String prefix) {
		return new Repository(s3.multiRegion(prefix), keys);
	}

	private static BackupId backup(String prefix) {
		try (Repository repository = repository(prefix)) {
			BackupId id = BackupId.parse(new LogicalBackup(repository, Clock.systemUTC())
				.run("shop", source, new BackupSettings(2, 256 * 1024, 1, Duration.ofSeconds(10), null))
				.backupId());
			PREFIXES.put(id.value(), prefix);
			return id;
		}
	}

	private static VerificationReport verify(String prefix, BackupId id, VerifySettings settings,
			Consumer<ConnectionSpec> before, Consumer<ConnectionSpec> after) {
		try (Repository repository = repository(prefix)) {
			Verifier verifier = new Verifier(repository, Clock.systemUTC(), SandboxKind.LOCAL, sandboxes);
			if (before != null) {
				verifier.beforeRestore(before);
			}
			if (after != null) {
				verifier.afterRestore(after);
			}
			return verifier.verify("shop", id, "eu-west", settings);
		}
	}

	private static void sql(ConnectionSpec target, String sql) {
		try (Connection connection = target.open("test"); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The file S3Proxy keeps an object of region eu-west in. */
	private static Path object(String prefix, BackupId id, String name) {
		return s3.objectDirectory("eu-west", prefix).resolve("shop/backups/" + id + "/" + name);
	}

	private static ChunkRef firstChunk(String prefix, BackupId id, String table) {
		try (Repository repository = repository(prefix)) {
			return table(repository.readManifest("shop", id), table).chunks().get(0);
		}
	}

	private static TableEntry table(Manifest manifest, String name) {
		return manifest.tables().stream().filter((t) -> t.name().equals(name)).findFirst().orElseThrow();
	}

	/**
	 * Replaces a table's first chunk with edited rows, correctly encrypted and hashed,
	 * and re-signs the manifest in every region: the damage a bug (or an attacker holding
	 * the keys) could do. With {@code consistent} the manifest's row counts and content
	 * hashes follow the edit, so only checks that look beyond them can notice.
	 */
	private static void rewriteChunk(String prefix, BackupId id, String tableName, UnaryOperator<List<String>> edit,
			boolean consistent) throws Exception {
		try (Repository repository = repository(prefix)) {
			Manifest manifest = repository.readManifest("shop", id);
			byte[] dataKey = repository.dataKey(manifest);
			TableEntry table = table(manifest, tableName);
			ChunkRef chunk = table.chunks().get(0);
			String plain = new String(
					ChunkDecoder.readAll(repository.readChunk(chunk), dataKey, keys.chunkIdKey(), chunk.id()),
					StandardCharsets.UTF_8);
			List<String> rows = new ArrayList<>();
			for (String row : plain.split("(?<=\n)")) {
				rows.add(row);
			}
			List<String> edited = edit.apply(rows);
			ByteArrayOutputStream text = new ByteArrayOutputStream();
			ContentHash hash = new ContentHash();
			for (String row : edited) {
				byte[] bytes = row.getBytes(StandardCharsets.UTF_8);
				text.write(bytes);
				hash.addRow(bytes, 0, bytes.length);
			}
			ChunkEncoder encoder = new ChunkEncoder(dataKey, keys.chunkIdKey(), 1, 1 << 20);
			encoder.begin();
			byte[] bytes = text.toByteArray();
			encoder.write(bytes, 0, bytes.length);
			EncodedChunk encoded = encoder.finish();
			String key = RepositoryLayout.chunk("shop", id, encoded.id());
			repository.store().createEverywhere(key, encoded.stored(), encoded.storedLength());
			ChunkRef replaced = new ChunkRef(key, encoded.id(), consistent ? edited.size() : chunk.rows(),
					encoded.plainBytes(), encoded.storedLength(), encoded.storedSha256(), chunk.codecs(),
					chunk.keyMin(), chunk.keyMax(), consistent ? hash.value() : chunk.contentHash());
			List<ChunkRef> chunks = new ArrayList<>(table.chunks());
			chunks.set(0, replaced);
			TableEntry changed = new TableEntry(table.schema(), table.name(), table.persistence(), table.partitionOf(),
					table.columns(), table.keyColumn(), chunks.stream().mapToLong(ChunkRef::rows).sum(),
					consistent ? ContentHash.combine(chunks.stream().map(ChunkRef::contentHash).toList())
							: table.contentHash(),
					chunks);
			List<TableEntry> tables = new ArrayList<>(manifest.tables());
			tables.set(tables.indexOf(table), changed);
			Manifest resigned = new Manifest(manifest.formatVersion(), manifest.backupId(), manifest.type(),
					manifest.startedAt(), manifest.completedAt(), manifest.source(), manifest.snapshot(),
					manifest.dataKey(), manifest.schema(), tables, manifest.sequences(), manifest.largeObjects(),
					manifest.materializedViews(), manifest.tools(), manifest.schemaVersion());
			byte[] signed = ManifestCodec.encode(resigned, keys.signingKey());
			String manifestKey = RepositoryLayout.manifest("shop", id);
			for (ObjectStore region : repository.store().regions()) {
				region.delete(manifestKey);
				region.create(manifestKey, signed);
			}
		}
	}

}
