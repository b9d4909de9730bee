package dev.redoubt.restore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.CopyText;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.restore.sandbox.Sandbox;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.sandbox.Sandboxes;

/**
 * Evaluates a row predicate ({@code --where}) where it can do no harm. The predicate's
 * text never reaches the target database: the rows it is to judge are copied into a
 * throwaway PostgreSQL (a sandbox holding the backup's schema and nothing else), where it
 * runs as a role that can read only those rows, in a read-only transaction under a
 * statement timeout; the target gets back the positions of the rows selected. So even a
 * predicate that escapes its parentheses, or calls a function that reads other tables
 * ({@code query_to_xml}) or files, can read only the rows it was given and change only a
 * server that is thrown away.
 *
 * <p>
 * Positions: the relation judged carries a column {@value #POSITION} (a row number for
 * staged rows, the {@code ctid} for live ones) that the sandbox hands back; everything
 * the target runs is SQL this class writes.
 */
final class PredicateSandbox implements AutoCloseable {

	/** The column that identifies a judged row. */
	static final String POSITION = "redoubt_row#";

	static final String QUOTED_POSITION = TableEntry.quote(POSITION);

	private static final String DATABASE = "redoubt_predicate";

	private static final String JUDGE = "redoubt_judge";

	/**
	 * Generous for a predicate over millions of rows; a stuck one cannot hold a restore.
	 */
	static final String STATEMENT_TIMEOUT = "5min";

	private final Sandbox sandbox;

	private final ConnectionSpec judge;

	private int relations;

	private PredicateSandbox(Sandbox sandbox, ConnectionSpec judge) {
		this.sandbox = sandbox;
		this.judge = judge;
	}

	/**
	 * Starts a sandbox of the backup's major version with the backup's pre-data schema
	 * (types, domains, functions the predicate may use), and a role that may log in and
	 * read nothing yet.
	 */
	static PredicateSandbox start(SandboxKind kind, Path root, int major, byte[] schemaArchive) {
		Sandbox sandbox = Sandboxes.start(kind, major, root);
		try {
			sandbox.createDatabase(DATABASE);
			ConnectionSpec admin = sandbox.connection(DATABASE);
			try (SchemaRestorer restorer = new SchemaRestorer(schemaArchive, major, admin,
					new RestoreOptions(1, false, true))) {
				restorer.preData();
			}
			byte[] random = new byte[24];
			new SecureRandom().nextBytes(random);
			Secret password = Secret.of(HexFormat.of().formatHex(random));
			try (Connection connection = admin.open("redoubt predicate sandbox");
					Statement statement = connection.createStatement()) {
				statement.execute("CREATE ROLE " + JUDGE + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
						+ " NOBYPASSRLS PASSWORD '" + password.reveal() + "'");
				statement.execute("ALTER ROLE " + JUDGE + " SET statement_timeout = '" + STATEMENT_TIMEOUT + "'");
				statement.execute("CREATE SCHEMA redoubt_eval");
				// types and functions of the backup's schemas may appear in a predicate;
				// a
				// SECURITY DEFINER function would run as the sandbox's superuser, so none
				// is
				statement.execute("""
						DO $redoubt$
						DECLARE s record;
						BEGIN
						  FOR s IN SELECT nspname FROM pg_catalog.pg_namespace
						      WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
						    EXECUTE format('GRANT USAGE ON SCHEMA %I TO redoubt_judge', s.nspname);
						  END LOOP;
						  FOR s IN SELECT p.oid::regprocedure AS f FROM pg_catalog.pg_proc p
						      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
						      WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
						    EXECUTE format('ALTER ROUTINE %s SECURITY INVOKER', s.f);
						  END LOOP;
						END
						$redoubt$""");
			}
			return new PredicateSandbox(sandbox, new ConnectionSpec(admin.url(), JUDGE, password));
		}
		catch (SQLException | RuntimeException ex) {
			sandbox.close();
			if (ex instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"cannot prepare the sandbox that judges --where: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Selects staged rows: copies {@code stage} (a table of the backup's shape plus
	 * {@value #POSITION}, the row number) into the sandbox, judges {@code where} there,
	 * and writes the selected row numbers into a temporary table of {@code target}'s
	 * session.
	 * @param original the table as the backup names it (its shape in the sandbox)
	 * @param what the table as the user named it, for messages
	 * @return an SQL condition on {@code stage}'s rows, written by this class
	 */
	String selectStaged(Connection target, String stage, QualifiedName original, String what, String where)
			throws SQLException {
		String judged = judgedRelation(original, "SELECT *", "bigint");
		copyIntoSandbox(target, "COPY (SELECT * FROM ONLY " + stage + ") TO STDOUT", judged);
		return selectNumbered(target, judged, what, where);
	}

	private String selectNumbered(Connection target, String judged, String what, String where) throws SQLException {
		String selected = "pg_temp.redoubt_selected_" + this.relations;
		judge(target, judged, what, where, selected, "bigint");
		return QUOTED_POSITION + " IN (SELECT p FROM " + selected + ")";
	}

	/**
	 * A table's original rows, loaded straight into the sandbox and numbered in load
	 * order, for a masked restore: the target stages only masked rows, loaded in the same
	 * order (so numbered alike), and the predicate, judged here on the original values,
	 * selects them by number. The original rows never reach the target.
	 */
	final class Originals implements AutoCloseable {

		private final String judged;

		private final Connection connection;

		private final SessionLoader.Into into;

		private Originals(String judged, Connection connection, List<String> columns) {
			this.judged = judged;
			this.connection = connection;
			this.into = new SessionLoader.Into(connection, judged, columns);
		}

		/** Where the loader copies the original rows. */
		SessionLoader.Into into() {
			return this.into;
		}

		/**
		 * Judges {@code where} on the loaded rows and writes the numbers it selects into
		 * a temporary table of {@code target}'s session.
		 * @return an SQL condition on the masked stage's rows, written by this class
		 */
		String select(Connection target, String what, String where) throws SQLException {
			return selectNumbered(target, this.judged, what, where);
		}

		@Override
		public void close() throws SQLException {
			this.connection.close();
		}

	}

	/**
	 * An empty relation in the sandbox for the original rows of {@code original}, to be
	 * loaded through {@link Originals#into()} with {@code columns} (quoted).
	 */
	Originals originals(QualifiedName original, List<String> columns) throws SQLException {
		String judged = judgedRelation(original, "SELECT *", "bigint GENERATED ALWAYS AS IDENTITY");
		Connection connection = this.sandbox.connection(DATABASE).open("redoubt predicate sandbox");
		try {
			CopyText.applySessionSettings(connection);
			return new Originals(judged, connection, columns);
		}
		catch (SQLException | RuntimeException ex) {
			connection.close();
			throw ex;
		}
	}

	/**
	 * Selects rows of the live table: copies its {@code columns} with their {@code ctid}
	 * into the sandbox, judges {@code where} there, and writes the selected {@code ctid}s
	 * into a temporary table of {@code target}'s session. The caller holds a lock that
	 * keeps the live rows where they are until it commits.
	 * @return an SQL condition on the live table's rows, written by this class
	 */
	String selectLive(Connection target, String live, QualifiedName original, List<String> columns, String what,
			String where) throws SQLException {
		String list = String.join(", ", columns.stream().map(TableEntry::quote).toList());
		String judged = judgedRelation(original, "SELECT " + list, "tid");
		copyIntoSandbox(target,
				"COPY (SELECT " + list + (columns.isEmpty() ? "" : ", ") + "ctid FROM ONLY " + live + ") TO STDOUT",
				judged);
		String selected = "pg_temp.redoubt_selected_" + this.relations;
		judge(target, judged, what, where, selected, "tid");
		return "ctid IN (SELECT p FROM " + selected + ")";
	}

	/** An empty table in the sandbox, of the backup table's columns and a position. */
	private String judgedRelation(QualifiedName original, String select, String positionType) throws SQLException {
		String judged = "redoubt_eval.judged_" + (++this.relations);
		try (Connection connection = this.sandbox.connection(DATABASE).open("redoubt predicate sandbox");
				Statement statement = connection.createStatement()) {
			statement.execute(
					"CREATE TABLE " + judged + " AS " + select + " FROM ONLY " + original.quoted() + " WITH NO DATA");
			statement.execute("ALTER TABLE " + judged + " ADD COLUMN " + QUOTED_POSITION + " " + positionType);
			statement.execute("GRANT SELECT ON " + judged + " TO " + JUDGE);
		}
		return judged;
	}

	/**
	 * Streams the rows a {@code COPY ... TO STDOUT} on the target gives into the sandbox.
	 */
	private void copyIntoSandbox(Connection target, String copyOut, String judged) throws SQLException {
		CopyText.applySessionSettings(target);
		try (Connection connection = this.sandbox.connection(DATABASE).open("redoubt predicate sandbox")) {
			CopyText.applySessionSettings(connection);
			CopyManager into = connection.unwrap(PGConnection.class).getCopyAPI();
			CopyOut out = target.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOut);
			CopyIn in = into.copyIn("COPY " + judged + " FROM STDIN");
			try {
				byte[] row;
				while ((row = out.readFromCopy()) != null) {
					in.writeToCopy(row, 0, row.length);
				}
				in.endCopy();
			}
			finally {
				if (in.isActive()) {
					in.cancelCopy();
				}
				if (out.isActive()) {
					out.cancelCopy();
				}
			}
		}
	}

	/**
	 * Judges {@code where} on the copied rows as the judge role (checked first by
	 * {@link PredicateGuard} for a clear message), and writes the positions it selects
	 * into {@code selected} in the target's session.
	 */
	private void judge(Connection target, String judged, String what, String where, String selected,
			String positionType) throws SQLException {
		StringBuilder positions = new StringBuilder();
		try (Connection connection = this.judge.open("redoubt predicate judge")) {
			connection.setAutoCommit(false);
			PredicateGuard.check(connection, judged, what, where);
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET TRANSACTION READ ONLY");
				statement.setFetchSize(10_000);
				try (ResultSet rows = statement
					.executeQuery("SELECT " + QUOTED_POSITION + " FROM ONLY " + judged + " WHERE (" + where + ")")) {
					while (rows.next()) {
						positions.append(rows.getString(1)).append('\n');
					}
				}
			}
			catch (SQLException ex) {
				throw new RedoubtException(ErrorCode.INVALID_SELECTION,
						"--where on " + what + " failed: " + ex.getMessage().replace('\n', ' '), ex);
			}
			finally {
				connection.rollback();
			}
		}
		try (Statement statement = target.createStatement()) {
			statement.execute("CREATE TEMP TABLE " + selected.substring("pg_temp.".length()) + " (p " + positionType
					+ " PRIMARY KEY) ON COMMIT DROP");
		}
		try {
			target.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyIn("COPY " + selected + " (p) FROM STDIN",
						new java.io.ByteArrayInputStream(positions.toString().getBytes(StandardCharsets.US_ASCII)));
		}
		catch (java.io.IOException ex) {
			throw new SQLException("cannot hand the selected rows to the target: " + ex.getMessage(), ex);
		}
	}

	@Override
	public void close() {
		this.sandbox.close();
	}

}
