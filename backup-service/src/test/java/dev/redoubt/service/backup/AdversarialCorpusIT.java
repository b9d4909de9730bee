package dev.redoubt.service.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;
import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.Verifier;
import dev.redoubt.verify.check.VerifySettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The adversarial corpus ({@code corpus/strange-schema.sql}): a legal but unusual
 * database goes through backup, full restore, comparison (rows, sequences, large objects
 * with their owners and grants, and the schema as {@code pg_dump --schema-only} prints
 * it), verification, and a restore of every table alone beside the live one. An empty
 * database goes through the same.
 */
class AdversarialCorpusIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	static RepositoryKeys keys;

	static final BackupSettings SMALL_CHUNKS = new BackupSettings(2, 64 * 1024, 1, Duration.ofSeconds(10), null);

	/**
	 * Tables a table restore refuses to bring back alone, with the reason it gives (an
	 * inheritance child beside the live table would join the live parent).
	 */
	static final Map<String, String> REFUSED_ALONE = Map.of("\"public\".\"person\"",
			"inherits its columns from a parent table");

	@BeforeAll
	static void loadCorpus() throws IOException {
		RepositoryKeys.generateKeyFile(work.resolve("kek"));
		keys = RepositoryKeys.fromKeyFile(work.resolve("kek"));
		pg.createDatabase("corpus");
		Path script = work.resolve("strange-schema.sql");
		try (InputStream in = AdversarialCorpusIT.class.getResourceAsStream("/corpus/strange-schema.sql")) {
			Files.copy(in, script);
		}
		ToolProcess.handToServerUser(work);
		ToolProcess.handToServerUser(script);
		pg.cluster().psql("corpus", "-f", script.toString());
	}

	@Test
	void strangeSchemaComesBackIdenticalVerifiesAndEachTableRestoresAlone() throws Exception {
		ConnectionSpec source = pg.connection("corpus");
		try (Repository repository = new Repository(s3.multiRegion("corpus"), keys)) {
			BackupId id = BackupId
				.parse(new LogicalBackup(repository, Clock.systemUTC()).run("corpus", source, SMALL_CHUNKS).backupId());

			ConnectionSpec restored = pg.createDatabase("corpus_restored");
			new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("corpus").backup(id).target(restored).jobs(2).build());

			DatabaseFingerprint before = DatabaseFingerprint.take(source);
			assertThat(before.differences(DatabaseFingerprint.take(restored))).isEmpty();
			assertThat(before.tables()).containsEntry("public.zero_columns", "3:" + zeroColumnHash(3))
				.containsEntry("public.all_dropped", "5:" + zeroColumnHash(5))
				.containsEntry("public.typed_later", "not populated");
			assertThat(schemaDump(restored)).isEqualTo(schemaDump(source));
			assertThat(largeObjectMetadata(restored)).isEqualTo(largeObjectMetadata(source))
				.contains("424242 corpus_lo_owner ");

			VerificationReport report = new Verifier(repository, Clock.systemUTC(), SandboxKind.LOCAL,
					work.resolve("sandboxes"))
				.verify("corpus", id, "eu-west", new VerifySettings(List.of(), null, null, 2));
			assertThat(report.failures()).isEmpty();
			assertThat(report.verified()).isTrue();

			Manifest manifest = repository.readManifest("corpus", id);
			assertThat(manifest.tables()).hasSizeGreaterThan(20);
			List<String> restoredAlone = new ArrayList<>();
			List<String> refused = new ArrayList<>();
			for (TableEntry table : manifest.tables()) {
				if (table.partitionOf() != null) {
					continue; // a partition comes back with its parent's table restore
				}
				QualifiedName name = new QualifiedName(table.schema(), table.name());
				Map<String, String> untouched = DatabaseFingerprint.take(source).tables();
				untouched.keySet().removeIf((t) -> t.startsWith("corpus_alone."));
				RestoreRequest.Builder request = RestoreRequest.tables("corpus")
					.table(name)
					.into(new QualifiedName("corpus_alone", "t" + restoredAlone.size()))
					.target(source)
					.jobs(2);
				RestoreEngine restore = new RestoreEngine(repository, Clock.systemUTC())
					.withSandboxes(SandboxKind.LOCAL, work.resolve("sandboxes"));
				if (REFUSED_ALONE.containsKey(name.quoted())) {
					assertThatThrownBy(() -> restore.restoreTables(request.backup(id).build()))
						.isInstanceOfSatisfying(RedoubtException.class,
								(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.INVALID_SELECTION))
						.hasMessageContaining(REFUSED_ALONE.get(name.quoted()));
					refused.add(name.quoted());
				}
				else {
					String copy = restore.restoreTables(request.backup(id).build()).tables().get(0).restoredAs();
					assertThat(tableHash(source, copy)).as(name.quoted())
						.isEqualTo(tableHash(source, name.quoted()).replace(name.quoted(), copy));
					restoredAlone.add(name.quoted());
				}
				Map<String, String> after = DatabaseFingerprint.take(source).tables();
				after.keySet().removeIf((t) -> t.startsWith("corpus_alone."));
				assertThat(after).as("every other table after restoring " + name.quoted()).isEqualTo(untouched);
			}
			assertThat(refused).containsExactlyInAnyOrderElementsOf(REFUSED_ALONE.keySet());
			assertThat(restoredAlone).contains("\"public\".\"zero_columns\"", "\"public\".\"Orders\"",
					"\"public\".\"orders\"", "\"select\".\"from\"", "\"public\".\"toasted\"");
		}
	}

	@Test
	void emptyDatabaseBacksUpRestoresAndVerifies() throws Exception {
		ConnectionSpec empty = pg.createDatabase("corpus_empty");
		try (Repository repository = new Repository(s3.multiRegion("corpus-empty"), keys)) {
			BackupId id = BackupId
				.parse(new LogicalBackup(repository, Clock.systemUTC()).run("empty", empty, SMALL_CHUNKS).backupId());
			Manifest manifest = repository.readManifest("empty", id);
			assertThat(manifest.tables()).isEmpty();

			ConnectionSpec restored = pg.createDatabase("corpus_empty_restored");
			new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("empty").backup(id).target(restored).jobs(2).build());
			assertThat(DatabaseFingerprint.take(empty).differences(DatabaseFingerprint.take(restored))).isEmpty();
			assertThat(schemaDump(restored)).isEqualTo(schemaDump(empty));

			VerificationReport report = new Verifier(repository, Clock.systemUTC(), SandboxKind.LOCAL,
					work.resolve("sandboxes"))
				.verify("empty", id, "eu-west", new VerifySettings(List.of(), null, null, 2));
			assertThat(report.failures()).isEmpty();
			assertThat(report.verified()).isTrue();
		}
	}

	/**
	 * The fingerprint hash of {@code rows} rows of a table without columns ({@code ()}).
	 */
	private static String zeroColumnHash(int rows) {
		return String.valueOf(rows * Long.parseLong(md5("()").substring(0, 15), 16));
	}

	private static String md5(String text) {
		try {
			byte[] digest = java.security.MessageDigest.getInstance("MD5")
				.digest(text.getBytes(StandardCharsets.UTF_8));
			return java.util.HexFormat.of().formatHex(digest);
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The schema as pg_dump prints it, without the lines that name the database. */
	static String schemaDump(ConnectionSpec database) {
		List<String> command = new ArrayList<>(List.of(PgTools.find("pg_dump", 15).toString(), "--schema-only",
				"--no-password", "--host=127.0.0.1", "--port=" + pg.cluster().port(),
				"--username=" + database.username(), "--dbname=" + database.database()));
		String dump = ToolProcess.run(command, Map.of("PGPASSWORD", pg.password().reveal()), "pg_dump --schema-only");
		return dump.lines()
			.filter((line) -> !line.startsWith("-- Dumped") && !line.startsWith("\\restrict")
					&& !line.startsWith("\\unrestrict"))
			.reduce("", (a, b) -> a + b + "\n");
	}

	private static List<String> largeObjectMetadata(ConnectionSpec database) throws SQLException {
		return rows(database, "SELECT oid || ' ' || lomowner::regrole || ' ' || coalesce(lomacl::text, '')"
				+ " FROM pg_largeobject_metadata ORDER BY oid");
	}

	private static String tableHash(ConnectionSpec database, String table) throws SQLException {
		return table + " "
				+ rows(database, "SELECT count(*) || ':' || coalesce(sum(('x' || substr(md5(t::text), 1, 15))"
						+ "::bit(60)::bigint::numeric), 0) FROM ONLY " + table + " t")
					.get(0);
	}

	private static List<String> rows(ConnectionSpec database, String sql) throws SQLException {
		try (Connection connection = database.open("corpus test"); Statement statement = connection.createStatement()) {
			statement.execute("SET row_security = off");
			List<String> rows = new ArrayList<>();
			try (ResultSet result = statement.executeQuery(sql)) {
				while (result.next()) {
					rows.add(result.getString(1));
				}
			}
			return rows;
		}
	}

}
