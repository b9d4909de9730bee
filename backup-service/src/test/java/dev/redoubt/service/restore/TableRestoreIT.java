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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.BackupListing;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.restore.ConflictMode;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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

	/** The source as the backup saw it (nothing writes to it while the backup runs). */
	static DatabaseFingerprint atBackup;

	static Path sandboxes;

	static final String QUOTED = "\"Ünïcødé Schema\".\"Tàble \"\"quoted\"\" name\"";

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
		atBackup = DatabaseFingerprint.take(live);
		// the unicode table at the backup, and after its own incident, to reset it
		// between merges
		pg.sql("shop",
				"CREATE TABLE public.tq_original AS SELECT * FROM " + QUOTED + ";" + " DELETE FROM " + QUOTED
						+ " WHERE id % 10 = 0;" + " UPDATE " + QUOTED + " SET \"Mixed Case\" = 99 WHERE id % 10 = 1;"
						+ " INSERT INTO " + QUOTED + " SELECT g, 'new ' || g, 1 FROM generate_series(1001, 1010) g;"
						+ " CREATE TABLE public.tq_incident AS SELECT * FROM " + QUOTED);
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

		TableRestoreResult result = restore(RestoreRequest.tables("shop").table("public.orders").target(live).jobs(2));

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
		TableRestoreResult result = restore(RestoreRequest.tables("shop")
			.table("public.orders")
			.where("id BETWEEN 1000 AND 1999")
			.into("public.orders_range")
			.target(live)
			.jobs(2));

		TableRestoreResult.Table table = result.tables().get(0);
		assertThat(table.rowsSelected()).isEqualTo(1000);
		assertThat(table.chunksFetched()).isLessThanOrEqualTo(2);
		assertThat(table.chunksTotal()).isGreaterThan(10);
		assertThat(scalar(live, "SELECT count(*) || ':' || min(id) || ':' || max(id) FROM public.orders_range"))
			.isEqualTo("1000:1000:1999");
	}

	@Test
	void dryRunAndFileWriteNothingIntoTheDatabase() throws Exception {
		TableRestoreResult plan = restore(RestoreRequest.tables("shop")
			.table("public.event_log")
			.where("at < '2026-02-01 00:10:00+00'")
			.target(live)
			.dryRun(true)
			.jobs(2));
		assertThat(plan.tables().get(0).rowsSelected()).isEqualTo(300);
		assertThat(plan.tables().get(0).restoredAs()).isNull();
		assertThat(count(live, "pg_namespace WHERE nspname LIKE 'redoubt_restore_%'")).isLessThanOrEqualTo(1L);

		Path csv = work.resolve("lines.csv");
		restore(RestoreRequest.tables("shop")
			.table("\"Ünïcødé Schema\".\"Tàble \"\"quoted\"\" name\"")
			.where("id <= 10")
			.toFile(csv)
			.jobs(2));
		String text = Files.readString(csv);
		assertThat(text).startsWith("id,wéird col,Mixed Case\n").contains("\n10,\"row 10 ").doesNotContain("row 11 ");
	}

	@Test
	void badSelectionsFailClearlyAndChangeNothing() throws Exception {
		Map<String, String> before = otherTables();
		for (String where : List.of("id > 0; DROP TABLE public.orders", "no_such_column = 1",
				"id IN (SELECT nextval('public.invoice_no'))", "id IN (SELECT order_id FROM public.order_lines)",
				"random() < 0.5", "id > (SELECT max(id) FROM public.orders o2)) OR (true")) {
			assertThatThrownBy(() -> restore(RestoreRequest.tables("shop")
				.table("public.orders")
				.where(where)
				.into("public.orders_bad")
				.target(live)
				.jobs(2))).isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).as(where).isEqualTo(ErrorCode.INVALID_SELECTION));
		}
		assertThatThrownBy(() -> restore(RestoreRequest.tables("shop").table("public.nope").target(live).jobs(2)))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.getMessage()).contains("holds no table \"public\".\"nope\""));
		for (String name : List.of("public.\"x; DROP TABLE public.orders\"", "\"a\nb\".\"c'd\"", "orders;", "nope")) {
			assertThatThrownBy(() -> restore(RestoreRequest.tables("shop").table(name).target(live).jobs(2)))
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).as(name).isEqualTo(ErrorCode.INVALID_SELECTION));
		}
		assertThat(scalar(live, "SELECT to_regclass('public.orders_bad') IS NULL")).isEqualTo(true);
		assertThat(otherTables()).isEqualTo(before);
	}

	@Test
	void aPredicateThatEscapesItsQuotesCannotReachTheTargetBesideOrInAMerge() throws Exception {
		Map<String, String> before = otherTables();
		long liveOrders = count(live, "public.orders");
		// the shape check reads E'\'' as a closed string and misses the ';': before the
		// predicate was judged in a sandbox, this dropped event_log and the drop
		// committed
		for (String where : List.of("note <> E'\\'' OR true); DROP TABLE public.event_log; SELECT ('",
				"note <> E'\\'' OR true); COMMIT; DROP TABLE public.event_log; SELECT ('",
				"query_to_xml('select * from public.event_log', true, true, '')::text <> ''",
				"table_to_xml('public.order_lines', true, true, '')::text LIKE '%SKU%'")) {
			assertThatThrownBy(() -> restore(RestoreRequest.tables("shop")
				.table("public.orders")
				.where(where)
				.into("public.orders_bad")
				.target(live)
				.jobs(2))).isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).as(where).isEqualTo(ErrorCode.INVALID_SELECTION));
			assertThatThrownBy(() -> merge("public.orders", where, ConflictMode.REPLACE, false)).isInstanceOfSatisfying(
					RedoubtException.class,
					(ex) -> assertThat(ex.code()).as(where).isEqualTo(ErrorCode.INVALID_SELECTION));
		}
		assertThat(scalar(live, "SELECT to_regclass('public.event_log') IS NOT NULL")).isEqualTo(true);
		assertThat(scalar(live, "SELECT to_regclass('public.orders_bad') IS NULL")).isEqualTo(true);
		assertThat(count(live, "public.orders")).isEqualTo(liveOrders);
		assertThat(otherTables()).isEqualTo(before);
	}

	@Test
	void tablesRestoredTogetherKeepTheirForeignKeyAndAWholeSchemaComesBack() throws Exception {
		ConnectionSpec side = pg.createDatabase("shop_side");

		TableRestoreResult both = restore(
				RestoreRequest.tables("shop").table("public.order_lines").table("public.orders").target(side).jobs(2));

		String schema = "redoubt_restore_" + backup.value().toLowerCase().replace('-', '_');
		assertThat(both.tables()).allSatisfy((t) -> assertThat(t.foreignKeysNotCreated()).isEmpty());
		assertThat(both.tables().get(0).triggersNotCreated()).singleElement().asString().contains("order_lines_touch");
		assertThat(scalar(side, "SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
				+ " AND conrelid = '" + schema + ".order_lines'::regclass"))
			.isEqualTo(schema + ".orders");
		assertThat(count(side, schema + ".order_lines")).isEqualTo(90000);

		TableRestoreResult unicode = restore(
				RestoreRequest.tables("shop").target(side).jobs(2).schemas(List.of("Ünïcødé Schema")));
		assertThat(unicode.tables()).extracting(TableRestoreResult.Table::source)
			.containsExactly("\"Ünïcødé Schema\".\"Tàble \"\"quoted\"\" name\"");
		assertThat(count(side, "\"" + schema + "\".\"Tàble \"\"quoted\"\" name\"")).isEqualTo(500);
		assertThat(count(side, "pg_namespace WHERE nspname LIKE 'redoubt\\_staging\\_%'")).isZero();
	}

	@Test
	void aForeignKeyToTheLiveTableIsCreatedOnlyWhenAskedAndAViolationChangesNothing() throws Exception {
		Map<String, String> before = otherTables();
		// the live orders lost rows that the backup's order lines still reference
		assertThatThrownBy(() -> restore(RestoreRequest.tables("shop")
			.table("public.order_lines")
			.into("public.order_lines_back")
			.target(live)
			.jobs(2)
			.withForeignKeys(true))).isInstanceOfSatisfying(RedoubtException.class, (ex) -> {
				assertThat(ex.code()).isEqualTo(ErrorCode.RESTORE_INCOMPLETE);
				assertThat(ex.getMessage()).contains("order_lines_back_order_id_fkey").contains("rolled back");
			});
		assertThat(scalar(live, "SELECT to_regclass('public.order_lines_back') IS NULL")).isEqualTo(true);
		assertThat(count(live, "pg_namespace WHERE nspname LIKE 'redoubt\\_staging\\_%'")).isZero();
		assertThat(otherTables()).isEqualTo(before);

		TableRestoreResult reported = restore(RestoreRequest.tables("shop")
			.table("public.order_lines")
			.where("order_id <= 100")
			.into("public.order_lines_back")
			.target(live)
			.jobs(2));
		assertThat(reported.tables().get(0).foreignKeysNotCreated()).singleElement()
			.asString()
			.contains("REFERENCES public.orders(id)");
		assertThat(count(live, "public.order_lines_back")).isEqualTo(200);
	}

	@Test
	void eachConflictModeLeavesExactlyItsRowSet() throws Exception {
		// fail: restored rows exist, nothing changes
		resetQuoted();
		assertThatThrownBy(() -> merge(QUOTED, null, ConflictMode.FAIL, false)).isInstanceOfSatisfying(
				RedoubtException.class, (ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.OBJECT_EXISTS));
		assertThat(sameRows(QUOTED, "public.tq_incident")).isTrue();

		// a dry run counts and changes nothing
		TableRestoreResult.Merge plan = merge(QUOTED, null, ConflictMode.UPSERT, true);
		assertThat(List.of(plan.inserted(), plan.updated(), plan.unchanged(), plan.deleted())).containsExactly(50L, 50L,
				400L, 0L);
		assertThat(sameRows(QUOTED, "public.tq_incident")).isTrue();

		// skip: the deleted rows come back, the changed ones stay changed
		resetQuoted();
		assertThat(merge(QUOTED, null, ConflictMode.SKIP, false).inserted()).isEqualTo(50);
		assertThat(count(live, QUOTED)).isEqualTo(510);
		assertThat(scalar(live, "SELECT count(*) FROM " + QUOTED + " WHERE \"Mixed Case\" = 99")).isEqualTo(50L);

		// upsert: the table is as at the backup, plus the rows added since
		resetQuoted();
		TableRestoreResult.Merge upsert = merge(QUOTED, null, ConflictMode.UPSERT, false);
		assertThat(List.of(upsert.inserted(), upsert.updated(), upsert.unchanged())).containsExactly(50L, 50L, 400L);
		assertThat(sameRows("(SELECT * FROM " + QUOTED + " WHERE id <= 500) x", "public.tq_original")).isTrue();
		assertThat(count(live, QUOTED)).isEqualTo(510);

		// replace: the rows the selection matches are deleted, then the restored ones
		// inserted
		resetQuoted();
		TableRestoreResult.Merge replace = merge(QUOTED, "id <= 500", ConflictMode.REPLACE, false);
		assertThat(List.of(replace.deleted(), replace.inserted())).containsExactly(450L, 500L);
		assertThat(sameRows("(SELECT * FROM " + QUOTED + " WHERE id <= 500) x", "public.tq_original")).isTrue();
		assertThat(count(live, QUOTED + " WHERE id > 1000")).isEqualTo(10);
	}

	@Test
	void aTableWithoutPrimaryKeyOffersFailAndReplaceOnly() {
		assertThatThrownBy(() -> merge("public.event_log", null, ConflictMode.UPSERT, false)).isInstanceOfSatisfying(
				RedoubtException.class, (ex) -> assertThat(ex.getMessage()).contains("has no primary key"));
		assertThatThrownBy(() -> merge("public.event_log", null, ConflictMode.FAIL, false)).isInstanceOfSatisfying(
				RedoubtException.class, (ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.OBJECT_EXISTS));
	}

	@Test
	void schemaDriftNeedsItsFlagAndAddedColumnsGetTheirDefault() throws Exception {
		pg.sql("shop",
				"ALTER TABLE public.session_cache ADD COLUMN note text DEFAULT 'added';"
						+ " ALTER TABLE public.session_cache DROP COLUMN expires;"
						+ " DELETE FROM public.session_cache WHERE key IN ('k1', 'k2', 'k3')");

		assertThatThrownBy(() -> merge("public.session_cache", null, ConflictMode.SKIP, false))
			.isInstanceOfSatisfying(RedoubtException.class, (ex) -> {
				assertThat(ex.code()).isEqualTo(ErrorCode.INVALID_SELECTION);
				assertThat(ex.getMessage()).contains("[expires]");
				assertThat(ex.hint()).contains("--allow-dropped-columns");
			});
		assertThat(count(live, "public.session_cache")).isEqualTo(997);

		TableRestoreResult.Merge merged = restore(RestoreRequest.tables("shop")
			.table("public.session_cache")
			.target(live)
			.jobs(2)
			.intoExisting(ConflictMode.SKIP)
			.allowDroppedColumns(true)).tables().get(0).merge();
		assertThat(merged.inserted()).isEqualTo(3);
		assertThat(merged.droppedColumns()).containsExactly("expires");
		assertThat(scalar(live, "SELECT note FROM public.session_cache WHERE key = 'k2'")).isEqualTo("added");
	}

	@Test
	@Order(Integer.MAX_VALUE - 2)
	void failSkipAndReplaceIntoTheLiveOrdersLeaveExactlyTheirRowSets() throws Exception {
		Map<String, String> before = otherTables();
		before.remove("public.orders");
		restore(RestoreRequest.tables("shop")
			.table("public.orders")
			.into("public.orders_at_backup")
			.target(live)
			.jobs(2));
		long newRows = count(live, "public.orders WHERE id > 60000");
		String deleted = "(SELECT * FROM public.orders WHERE id % 20 = 0) x";
		String deletedAtBackup = "(SELECT * FROM public.orders_at_backup WHERE id % 20 = 0) b";
		String changed = "(SELECT id, customer_id, amount, created_at, note, tags, payload, attrs, ratio"
				+ " FROM public.orders WHERE id <= 60000 AND id % 20 = 1) x";
		String changedSinceBackup = "(SELECT id, customer_id, amount + 1, created_at, note, tags, payload, attrs, ratio"
				+ " FROM public.orders_at_backup WHERE id % 20 = 1) b";
		String kept = "(SELECT * FROM public.orders WHERE id <= 60000 AND id % 20 > 1) x";
		String keptAtBackup = "(SELECT * FROM public.orders_at_backup WHERE id % 20 > 1) b";

		// fail: the restored rows exist, so nothing changes
		assertThatThrownBy(() -> merge("public.orders", null, ConflictMode.FAIL, false)).isInstanceOfSatisfying(
				RedoubtException.class,
				(ex) -> assertThat(ex.getMessage()).contains("57000 of the restored rows exist"));
		assertThat(count(live, "public.orders WHERE id % 20 = 0")).isZero();

		// skip: the deleted rows come back as they were, the changed ones stay changed
		assertThat(merge("public.orders", null, ConflictMode.SKIP, false).inserted()).isEqualTo(3000);
		assertThat(sameRows(deleted, deletedAtBackup)).isTrue();
		assertThat(sameRows(changed, changedSinceBackup)).isTrue();
		assertThat(sameRows(kept, keptAtBackup)).isTrue();
		assertThat(count(live, "public.orders WHERE id > 60000")).isEqualTo(newRows);

		// replace: the rows the selection matches are deleted (none are left since the
		// incident) and the restored ones inserted; nothing else moves
		pg.sql("shop", "DELETE FROM public.orders WHERE id % 20 = 0");
		TableRestoreResult.Merge replace = merge("public.orders", "id % 20 = 0", ConflictMode.REPLACE, false);
		assertThat(List.of(replace.deleted(), replace.inserted())).containsExactly(0L, 3000L);
		assertThat(sameRows(deleted, deletedAtBackup)).isTrue();
		assertThat(count(live, "public.orders WHERE id % 20 = 1 AND amount = (SELECT b.amount + 1"
				+ " FROM public.orders_at_backup b WHERE b.id = orders.id)"))
			.isEqualTo(3000);
		assertThat(sameRows(kept, keptAtBackup)).isTrue();
		assertThat(count(live, "public.orders WHERE id > 60000")).isEqualTo(newRows);

		// back to the state after the incident, for the upsert below
		pg.sql("shop", "DELETE FROM public.orders WHERE id % 20 = 0; DROP TABLE public.orders_at_backup");
		Map<String, String> after = otherTables();
		after.remove("public.orders");
		assertThat(after).isEqualTo(before);
	}

	@Test
	@Order(Integer.MAX_VALUE - 1)
	void upsertIntoTheLiveOrdersUndoesTheIncidentAndKeepsNewRows() throws Exception {
		Map<String, String> before = otherTables();
		before.remove("public.orders");
		long newRows = count(live, "public.orders WHERE id > 60000");

		TableRestoreResult.Merge merge = merge("public.orders", null, ConflictMode.UPSERT, false);

		assertThat(List.of(merge.inserted(), merge.updated(), merge.unchanged())).containsExactly(3000L, 3000L, 54000L);
		assertThat(count(live, "public.orders")).isEqualTo(60000 + newRows);
		assertThat(scalar(live, "SELECT sum(id)::bigint FROM public.orders WHERE id <= 60000"))
			.isEqualTo(60000L * 60001 / 2);
		Map<String, String> after = otherTables();
		after.remove("public.orders");
		assertThat(after).isEqualTo(before);
	}

	private static TableRestoreResult.Merge merge(String table, String where, ConflictMode mode, boolean dryRun) {
		return restore(RestoreRequest.tables("shop")
			.table(table)
			.where(where)
			.target(live)
			.dryRun(dryRun)
			.jobs(2)
			.intoExisting(mode)).tables().get(0).merge();
	}

	private static void resetQuoted() {
		pg.sql("shop", "DELETE FROM " + QUOTED + "; INSERT INTO " + QUOTED + " SELECT * FROM public.tq_incident");
	}

	/** Whether two relations hold the same multiset of rows. */
	private static boolean sameRows(String a, String b) throws SQLException {
		return (Boolean) scalar(live, "SELECT NOT EXISTS (SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b
				+ ") AND NOT EXISTS (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + ")");
	}

	private static TableRestoreResult restore(RestoreRequest.Builder request) {
		try (Repository repository = repository()) {
			return new RestoreEngine(repository, Clock.systemUTC()).withSandboxes(SandboxKind.LOCAL, sandboxes)
				.restoreTables(request.backup(backup).build());
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
			.collect(Collectors.toMap(Map.Entry::getKey, (e) -> String.valueOf(e.getValue()), (a, b) -> a,
					java.util.HashMap::new));
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

	/**
	 * Failure test 12's history check: after every selective restore above (beside the
	 * live tables, merged into them, refused), the backup still restores whole to exactly
	 * what it was taken from; selective restores write nothing to the repository.
	 */
	@Test
	@Order(Integer.MAX_VALUE)
	void afterEverySelectiveRestoreTheBackupStillRestoresToWhatItWasTakenFrom() throws Exception {
		ConnectionSpec whole = pg.createDatabase("history_whole");
		try (Repository repository = repository()) {
			assertThat(repository.list("shop").stream().filter(BackupListing::restorable).map(BackupListing::id))
				.as("the backups listed restorable")
				.containsExactly(backup);
			new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("shop").backup(backup).target(whole).jobs(2).build());
		}
		assertThat(atBackup.differences(DatabaseFingerprint.take(whole))).isEmpty();
	}

}
