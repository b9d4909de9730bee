package dev.redoubt.service.restore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.TableRestore;
import dev.redoubt.restore.TableRestoreRequest;
import dev.redoubt.restore.TableRestoreResult;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.service.backup.LogicalBackup;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The incident, against real PostgreSQL and S3 API servers: after a backup, rows of
 * {@code orders} are deleted and changed; the table comes back beside the live one, as it
 * was, with its indexes and constraints, and nothing else in the database changes.
 */
class TableRestoreIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	static ConnectionSpec live;

	static RepositoryKeys keys;

	static BackupId backup;

	static Path sandboxes;

	@BeforeAll
	static void backupThenIncident() throws Exception {
		SampleDatabase.create(pg.cluster(), "shop", pg.scratch());
		live = pg.connection("shop");
		RepositoryKeys.generateKeyFile(work.resolve("master.key"));
		keys = RepositoryKeys.fromKeyFile(work.resolve("master.key"));
		Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
		sandboxes = work.resolve("sandboxes");
		try (Repository repository = repository()) {
			backup = BackupId.parse(new LogicalBackup(repository, Clock.systemUTC())
				.run("shop", live, new BackupSettings(2, 256 * 1024, 1, Duration.ofSeconds(10), null))
				.backupId());
		}
		pg.sql("shop",
				"DELETE FROM public.order_lines WHERE order_id % 20 = 0;"
						+ " DELETE FROM public.orders WHERE id % 20 = 0;"
						+ " UPDATE public.orders SET amount = amount + 1 WHERE id % 20 = 1;"
						+ " INSERT INTO public.orders (customer_id, amount, created_at) VALUES (1, 5, now())");
	}

	@Test
	void ordersComeBackBesideTheLiveTableAsTheyWereAndNothingElseChanges() throws Exception {
		Map<String, String> before = otherTables();
		long liveRows = count(live, "public.orders");

		TableRestoreResult result = restore(new TableRestoreRequest(List.of(QualifiedName.parse("public.orders")), null,
				null, live, null, false, 2));

		String restored = result.tables().get(0).restoredAs();
		assertThat(restored)
			.isEqualTo("\"redoubt_restore_" + backup.value().toLowerCase().replace('-', '_') + "\".\"orders\"");
		assertThat(count(live, restored)).isEqualTo(60000);
		// the same rows as at the backup: every id, and the amounts before the UPDATE
		assertThat(scalar(live, "SELECT count(*) FROM " + restored + " r JOIN public.orders o USING (id)"
				+ " WHERE r.amount <> o.amount"))
			.isEqualTo(3000L);
		assertThat(scalar(live, "SELECT count(*) FROM " + restored + " WHERE id % 20 = 0")).isEqualTo(3000L);
		assertThat(scalar(live, "SELECT sum(id)::bigint FROM " + restored)).isEqualTo(60000L * 60001 / 2);
		// its own indexes, constraints, generated column and identity came along
		assertThat(scalar(live, "SELECT count(*) FROM pg_indexes WHERE schemaname || '.' || tablename = '"
				+ restored.replace("\"", "") + "'"))
			.isEqualTo(3L);
		assertThat(scalar(live, "SELECT count(*) FROM " + restored + " WHERE tax <> round(amount * 0.2, 2)"))
			.isEqualTo(0L);
		// the live table and every other table are untouched
		assertThat(count(live, "public.orders")).isEqualTo(liveRows);
		assertThat(otherTables()).isEqualTo(before);
	}

	@Test
	void aKeyRangeFetchesFewChunksAndRestoresExactlyTheRange() throws Exception {
		TableRestoreResult result = restore(new TableRestoreRequest(List.of(QualifiedName.parse("public.orders")),
				"id BETWEEN 1000 AND 1999", QualifiedName.parse("public.orders_range"), live, null, false, 2));

		TableRestoreResult.Table table = result.tables().get(0);
		assertThat(table.rowsSelected()).isEqualTo(1000);
		assertThat(table.chunksFetched()).isLessThanOrEqualTo(2);
		assertThat(table.chunksTotal()).isGreaterThan(10);
		assertThat(scalar(live, "SELECT count(*) || ':' || min(id) || ':' || max(id) FROM public.orders_range"))
			.isEqualTo("1000:1000:1999");
	}

	@Test
	void dryRunAndFileWriteNothingIntoTheDatabase() throws Exception {
		TableRestoreResult plan = restore(new TableRestoreRequest(List.of(QualifiedName.parse("public.event_log")),
				"at < '2026-02-01 00:10:00+00'", null, live, null, true, 2));
		assertThat(plan.tables().get(0).rowsSelected()).isEqualTo(300);
		assertThat(plan.tables().get(0).restoredAs()).isNull();
		assertThat(count(live, "pg_namespace WHERE nspname LIKE 'redoubt_restore_%'")).isLessThanOrEqualTo(1L);

		Path csv = work.resolve("lines.csv");
		restore(new TableRestoreRequest(
				List.of(QualifiedName.parse("\"Ünïcødé Schema\".\"Tàble \"\"quoted\"\" name\"")), "id <= 10", null,
				null, csv, false, 2));
		String text = Files.readString(csv);
		assertThat(text).startsWith("id,wéird col,Mixed Case\n").contains("\n10,\"row 10 ").doesNotContain("row 11 ");
	}

	@Test
	void badSelectionsFailClearlyAndChangeNothing() throws Exception {
		Map<String, String> before = otherTables();
		for (String where : List.of("id > 0; DROP TABLE public.orders", "no_such_column = 1",
				"id IN (SELECT nextval('public.invoice_no'))")) {
			assertThatThrownBy(() -> restore(new TableRestoreRequest(List.of(QualifiedName.parse("public.orders")),
					where, QualifiedName.parse("public.orders_bad"), live, null, false, 2)))
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).as(where).isEqualTo(ErrorCode.INVALID_SELECTION));
		}
		assertThatThrownBy(() -> restore(
				new TableRestoreRequest(List.of(QualifiedName.parse("public.nope")), null, null, live, null, false, 2)))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.getMessage()).contains("holds no table \"public\".\"nope\""));
		assertThat(scalar(live, "SELECT to_regclass('public.orders_bad') IS NULL")).isEqualTo(true);
		assertThat(otherTables()).isEqualTo(before);
	}

	private static TableRestoreResult restore(TableRestoreRequest request) {
		try (Repository repository = repository()) {
			return new TableRestore(repository, Clock.systemUTC(), SandboxKind.LOCAL, sandboxes).run("shop", backup,
					request);
		}
	}

	private static Repository repository() {
		return new Repository(s3.multiRegion("tables"), keys);
	}

	/**
	 * Content fingerprints of every table of the live database outside restored schemas.
	 */
	private static Map<String, String> otherTables() throws SQLException {
		return DatabaseFingerprint.take(live)
			.tables()
			.entrySet()
			.stream()
			.filter((e) -> !e.getKey().contains("redoubt_restore_") && !e.getKey().contains("orders_range"))
			.collect(Collectors.toMap(Map.Entry::getKey, (e) -> String.valueOf(e.getValue())));
	}

	private static long count(ConnectionSpec database, String table) throws SQLException {
		return ((Number) scalar(database, "SELECT count(*) FROM " + table)).longValue();
	}

	private static Object scalar(ConnectionSpec database, String sql) throws SQLException {
		try (Connection connection = database.open("test");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getObject(1);
		}
	}

}
