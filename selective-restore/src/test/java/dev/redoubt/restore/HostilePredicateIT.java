package dev.redoubt.restore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.testing.PostgresExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hostile-predicate corpus: each predicate is judged by a {@link PredicateSandbox}
 * over the staged rows of {@code public.accounts}, in the target's own session, as a
 * restore does. Each must end in a specific error or a harmless selection (a subset of
 * the staged rows), and leave every table of the target and its catalog exactly as they
 * were. Some of them slip past the text checks on purpose (the {@code E'\''} quote
 * trick): the sandbox, not the lexer, is the defence.
 */
class HostilePredicateIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@TempDir
	static Path work;

	static ConnectionSpec target;

	static PredicateSandbox judge;

	static final String ORIGINAL = "\"public\".\"accounts\"";

	/** Predicates that must be refused, each with words its message must hold. */
	static final Map<String, String> REFUSED = Map.ofEntries(
			Map.entry("id > 0; DROP TABLE public.keep", "';' would end the statement"),
			Map.entry("id > 0) ; COMMIT; DROP TABLE public.keep; SELECT (1", "closes more than it opened"),
			// the quote trick: the shape check sees the ';' inside a string, the server
			// does not
			Map.entry("note <> E'\\'' OR true); DROP TABLE public.keep; SELECT ('", "--where on"),
			Map.entry("note <> E'\\'' OR true); COMMIT; DROP TABLE public.keep; SELECT ('", "--where on"),
			Map.entry("note <> E'\\'' OR true); RESET ROLE; DROP TABLE public.keep; SELECT ('", "--where on"),
			Map.entry("note <> E'\\'' OR true); SET ROLE postgres; DROP TABLE public.keep; SELECT ('", "--where on"),
			Map.entry("note <> E'\\'' OR true); ROLLBACK; DROP TABLE public.keep; SELECT ('", "--where on"),
			Map.entry("note <> E'\\'' OR true); RELEASE SAVEPOINT redoubt_predicate; DROP TABLE public.keep; SELECT ('",
					"--where on"),
			Map.entry("note = $$x$$ OR true", "dollar quoting"), Map.entry("note = $q$x$q$", "dollar quoting"),
			Map.entry("id > 0 /* c */", "comments"), Map.entry("id > 0 -- c", "comments"),
			Map.entry("id > 0)", "closes more than it opened"), Map.entry("(id > 0", "not closed"),
			Map.entry("id IN (SELECT id FROM public.keep)", "--where on"),
			Map.entry("EXISTS (SELECT 1 FROM pg_catalog.pg_authid)", "--where on"),
			Map.entry("note ~ (SELECT string_agg(rolname, '|') FROM pg_roles)", "--where on"),
			Map.entry("query_to_xml('select * from public.keep', true, true, '')::text <> ''", "--where on"),
			Map.entry("table_to_xml('public.keep', true, true, '')::text <> ''", "--where on"),
			Map.entry("set_config('search_path', 'evil', false) IS NOT NULL", "volatile"),
			Map.entry("set_config('default_transaction_read_only', 'off', false) <> ''", "volatile"),
			Map.entry("pg_sleep(30) IS NULL", "volatile"), Map.entry("lo_import('/etc/passwd') > 0", "volatile"),
			Map.entry("pg_read_file('/etc/passwd') <> ''", "--where on"),
			Map.entry("pg_read_binary_file('/etc/hostname') IS NOT NULL", "--where on"),
			Map.entry("pg_stat_file('postgresql.conf') IS NOT NULL", "--where on"),
			Map.entry("current_setting('data_directory') <> ''", "--where on"),
			Map.entry("nextval('public.keep_id_seq') > 0", "volatile"),
			Map.entry("pg_terminate_backend(pg_backend_pid())", "volatile"),
			Map.entry("dblink_exec('host=x', 'drop table keep') = ''", "--where on"),
			Map.entry("id > 0 ROLLBACK", "--where on"), Map.entry("no_such_column = 1", "--where on"),
			Map.entry("true) OR (true", "closes more than it opened"),
			Map.entry("id::text::regclass IS NULL", "relation \"1\" does not exist"),
			Map.entry("public.leak(id) > 0", "--where on"));

	/**
	 * Predicates that run, harmlessly: whatever they select is a subset of the staged
	 * rows.
	 */
	static final List<String> HARMLESS = List.of("note <> U&'\\0027' OR true",
			// sees only what the judge may read: the staged rows
			"database_to_xml(true, true, '')::text <> ''", "note = E'\\\\' OR id > 0",
			"'public.keep'::regclass IS NOT NULL", "'public.keep'::regclass::oid > 0 AND id % 2 = 0",
			"id BETWEEN 3 AND 7", "note LIKE '%;%'", "note = 'x'' OR ''1''=''1'");

	@BeforeAll
	static void targetWithASecretAndTheJudge() throws Exception {
		pg.createDatabase("shop");
		target = pg.connection("shop");
		pg.sql("shop", "CREATE TABLE public.accounts (id bigint PRIMARY KEY, note text, balance numeric);"
				+ " INSERT INTO public.accounts SELECT g, CASE WHEN g % 3 = 0 THEN 'semi;colon' ELSE 'n' || g END, g"
				+ " FROM generate_series(1, 20) g;" + " CREATE TABLE public.keep (id serial PRIMARY KEY, secret text);"
				+ " INSERT INTO public.keep (secret) VALUES (md5(random()::text));"
				// a helper a careless schema might hold: dynamic SQL with its owner's
				// rights
				+ " CREATE FUNCTION public.leak(bigint) RETURNS integer LANGUAGE plpgsql STABLE SECURITY DEFINER AS"
				+ " $$ BEGIN EXECUTE 'DROP TABLE public.keep'; RETURN 1; END $$");
		Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
		judge = PredicateSandbox.start(SandboxKind.LOCAL, work.resolve("sandboxes"), 15, schemaArchive());
	}

	@AfterAll
	static void closeJudge() {
		if (judge != null) {
			judge.close();
		}
	}

	@Test
	void everyHostilePredicateIsRefusedOrHarmlessAndTheTargetIsUnchanged() throws Exception {
		assertThat(REFUSED.size() + HARMLESS.size()).isGreaterThanOrEqualTo(40);
		String before = fingerprint();
		List<String> outcomes = new ArrayList<>();
		for (Map.Entry<String, String> hostile : REFUSED.entrySet()) {
			RedoubtException refused = judgeStaged(hostile.getKey(), -1);
			assertThat(refused).as(hostile.getKey()).isNotNull();
			assertThat(refused.code()).as(hostile.getKey()).isEqualTo(ErrorCode.INVALID_SELECTION);
			assertThat(refused.getMessage()).as(hostile.getKey()).contains(hostile.getValue());
			assertThat(fingerprint()).as("the target after " + hostile.getKey()).isEqualTo(before);
			outcomes.add(hostile.getKey());
		}
		for (String harmless : HARMLESS) {
			assertThat(judgeStaged(harmless, 20)).as(harmless).isNull();
			assertThat(fingerprint()).as("the target after " + harmless).isEqualTo(before);
		}
		assertThat(outcomes).hasSize(REFUSED.size());
	}

	@Test
	void aRangeSelectsExactlyItsRowsAmongStagedAndLiveOnes() throws Exception {
		try (Connection connection = target.open("test")) {
			connection.setAutoCommit(false);
			String stage = stage(connection);
			String staged = judge.selectStaged(connection, stage, QualifiedName.parse("public.accounts"), ORIGINAL,
					"id BETWEEN 3 AND 7 OR note = 'semi;colon'");
			assertThat(longs(connection, "SELECT id FROM " + stage + " WHERE " + staged + " ORDER BY id"))
				.containsExactly(3L, 4L, 5L, 6L, 7L, 9L, 12L, 15L, 18L);
			String live = judge.selectLive(connection, "public.accounts", QualifiedName.parse("public.accounts"),
					List.of("id", "note", "balance"), ORIGINAL, "balance > 17");
			assertThat(longs(connection, "SELECT id FROM ONLY public.accounts WHERE " + live + " ORDER BY id"))
				.containsExactly(18L, 19L, 20L);
			connection.rollback();
		}
	}

	/**
	 * Judges {@code where} on a stage of every account, in a transaction that then rolls
	 * back.
	 * @param maxRows the most rows a harmless predicate may select
	 * @return the refusal, or {@code null} when the predicate ran
	 */
	private static RedoubtException judgeStaged(String where, int maxRows) throws SQLException {
		try (Connection connection = target.open("test")) {
			connection.setAutoCommit(false);
			try {
				PredicateGuard.checkShape(where);
				String stage = stage(connection);
				String selected = judge.selectStaged(connection, stage, QualifiedName.parse("public.accounts"),
						ORIGINAL, where);
				List<Long> ids = longs(connection, "SELECT id FROM " + stage + " WHERE " + selected);
				assertThat(ids.size()).as(where).isLessThanOrEqualTo(maxRows);
				return null;
			}
			catch (RedoubtException ex) {
				return ex;
			}
			finally {
				connection.rollback();
			}
		}
	}

	/**
	 * A stage of the accounts shaped as a restore makes it: the table, then positions.
	 */
	private static String stage(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("CREATE TEMP TABLE redoubt_stage (LIKE public.accounts) ON COMMIT DROP");
			statement.execute("ALTER TABLE redoubt_stage ADD COLUMN " + PredicateSandbox.QUOTED_POSITION
					+ " bigint GENERATED ALWAYS AS IDENTITY");
			statement
				.execute("INSERT INTO redoubt_stage (id, note, balance) SELECT * FROM public.accounts ORDER BY id");
		}
		return "pg_temp.redoubt_stage";
	}

	/** Every table's rows, and the catalog's relations, functions, roles and settings. */
	private static String fingerprint() throws SQLException {
		return String.join("\n",
				strings(target,
						"SELECT c.relname || ':' || c.relkind::text || ':' || c.relnamespace::text"
								+ " FROM pg_class c WHERE c.relpersistence <> 't' ORDER BY 1"))
				+ strings(target, "SELECT proname || proargtypes::text FROM pg_proc ORDER BY 1")
				+ strings(target, "SELECT rolname || rolsuper::text FROM pg_roles ORDER BY 1")
				+ strings(target, "SELECT coalesce(setdatabase::text, '') || setconfig::text FROM pg_db_role_setting")
				+ strings(target, "SELECT md5(string_agg(a::text, ',' ORDER BY id)) FROM public.accounts a")
				+ strings(target, "SELECT md5(string_agg(k::text, ',' ORDER BY id)) FROM public.keep k")
				+ strings(target, "SELECT last_value::text FROM public.keep_id_seq")
				+ strings(target, "SELECT count(*)::text FROM pg_largeobject_metadata");
	}

	private static List<String> strings(ConnectionSpec database, String sql) throws SQLException {
		try (Connection connection = database.open("test");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			List<String> values = new ArrayList<>();
			while (rows.next()) {
				values.add(rows.getString(1));
			}
			return values;
		}
	}

	private static List<Long> longs(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
			List<Long> values = new ArrayList<>();
			while (rows.next()) {
				values.add(rows.getLong(1));
			}
			return values;
		}
	}

	/**
	 * The target's schema as a restore reads it from a backup: pg_dump's custom format.
	 */
	private static byte[] schemaArchive() throws Exception {
		ProcessBuilder builder = new ProcessBuilder(PgTools.find("pg_dump", 15).toString(), "--schema-only",
				"--format=custom", "--no-password", "--host=127.0.0.1", "--port=" + pg.cluster().port(),
				"--username=" + target.username(), "--dbname=shop");
		builder.environment().put("PGPASSWORD", pg.password().reveal());
		Process process = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
		byte[] archive = process.getInputStream().readAllBytes();
		assertThat(process.waitFor()).isZero();
		return archive;
	}

}
