package dev.redoubt.restore;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import dev.redoubt.core.concurrent.Workers;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest.SequenceEntry;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.CopyText;
import dev.redoubt.core.repository.CrashPoint;
import dev.redoubt.restore.TableDefinitions.Definition;
import dev.redoubt.restore.mask.ColumnInfo;
import dev.redoubt.restore.mask.MaskPlan;
import dev.redoubt.restore.mask.Masking;

/**
 * Creates restored tables beside the live ones, in one transaction of one session: the
 * backup's DDL for each table rewritten to its destination (table, owned sequences,
 * defaults), the rows copied straight in (or, with a predicate, into a temporary copy
 * first and only the selected ones inserted), then its constraints and indexes, foreign
 * keys between restored tables, and sequence values. Nothing is visible before the
 * commit; any error or interrupt rolls all of it back. With a masking policy, it is bound
 * to the tables just created and the rows are masked on their way in; a predicate is then
 * judged on the original rows, which only the predicate's sandbox receives.
 */
final class BesideRestore {

	/**
	 * One table to restore.
	 *
	 * @param entry the table in the backup
	 * @param definitions its DDL
	 * @param destination where it goes
	 * @param chunks the chunks that can hold selected rows
	 */
	record Placement(TableEntry entry, TableDefinitions.Table definitions, QualifiedName destination,
			List<ChunkRef> chunks) {

		QualifiedName original() {
			return new QualifiedName(this.entry.schema(), this.entry.name());
		}

		/** The columns the chunks hold, quoted, in {@code COPY} order. */
		List<String> columns() {
			return this.entry.columns().stream().map(TableEntry::quote).toList();
		}

	}

	/**
	 * What was restored of one table.
	 *
	 * @param rowsSelected rows the predicate selected (all rows without one)
	 * @param foreignKeysNotCreated foreign keys to tables that were not restored
	 * @param triggersNotCreated the table's triggers, not created on the copy
	 * @param maskedColumns the columns whose values were masked
	 */
	record Outcome(long rowsSelected, List<String> foreignKeysNotCreated, List<String> triggersNotCreated,
			List<String> maskedColumns) {
	}

	private final SessionLoader loader;

	private final Map<QualifiedName, QualifiedName> names;

	private final UnaryOperator<String> rename;

	private final Map<QualifiedName, QualifiedName> finalNames;

	private final Masking masking;

	/**
	 * @param names every restored table and owned sequence, to where it is created
	 * @param rename how constraint and index names follow a table's new name
	 * @param finalNames the same, to where it ends up (a staging schema moves)
	 * @param masking the masking of the rows, or {@code null}
	 */
	BesideRestore(SessionLoader loader, Map<QualifiedName, QualifiedName> names, UnaryOperator<String> rename,
			Map<QualifiedName, QualifiedName> finalNames, Masking masking) {
		this.loader = loader;
		this.names = names;
		this.rename = rename;
		this.finalNames = finalNames;
		this.masking = masking;
	}

	/**
	 * Restores the tables, committing at the end; with {@code dryRun} runs the same DDL,
	 * stages and counts what the predicate selects (without one, nothing is loaded), and
	 * rolls everything back.
	 */
	List<Outcome> restore(Connection connection, List<Placement> placements, String where, PredicateSandbox judge,
			List<SequenceEntry> sequences, boolean foreignKeysToOtherTables, boolean dryRun) throws SQLException {
		connection.setAutoCommit(false);
		try {
			CopyText.applySessionSettings(connection);
			List<String> relations = new ArrayList<>();
			// a dry run runs the DDL too, so that it finds what the restore would trip on
			// (a missing type, function or extension), and rolls it back
			createSchemas(connection, placements);
			for (int i = 0; i < placements.size(); i++) {
				Placement placement = placements.get(i);
				relations.add(createTable(connection, placement, i, where));
			}
			// the policy is bound to the tables just created, before any row is loaded
			MaskPlan mask = maskPlan(connection, placements);
			List<Outcome> outcomes = new ArrayList<>();
			for (int i = 0; i < placements.size(); i++) {
				Placement placement = placements.get(i);
				List<String> columns = placement.columns();
				String relation = relations.get(i);
				SessionLoader.Into into = new SessionLoader.Into(connection, relation, columns,
						rewrite(mask, placement));
				long rows;
				if (where == null) {
					rows = dryRun ? placement.entry().rows() : this.loader.load(placement.chunks(), into);
				}
				else {
					String selected = stageAndSelect(connection, placement, into, where, judge, mask != null);
					rows = dryRun ? count(connection, relation, selected)
							: select(connection, relation, placement.destination(), columns, selected);
				}
				outcomes.add(new Outcome(rows, new ArrayList<>(), triggers(placement), masked(mask, placement)));
			}
			finish(connection, placements, outcomes, sequences, foreignKeysToOtherTables);
			if (dryRun) {
				connection.rollback();
			}
			else {
				connection.commit();
			}
			return outcomes;
		}
		catch (SQLException | RuntimeException ex) {
			connection.rollback();
			throw ex;
		}
	}

	/**
	 * Loads a table's rows into its stage ({@code into}) and judges the predicate on
	 * them. Masked, the stage gets masked rows and the predicate is judged on the
	 * original ones, loaded into the sandbox alone in the same order: a predicate selects
	 * by the values the backup holds, and the target never holds an original value.
	 * @return the condition on the stage's rows that the predicate selected
	 */
	private String stageAndSelect(Connection connection, Placement placement, SessionLoader.Into into, String where,
			PredicateSandbox judge, boolean masked) throws SQLException {
		String what = placement.entry().qualifiedName();
		if (!masked) {
			this.loader.load(placement.chunks(), into);
			return judge.selectStaged(connection, into.relation(), placement.original(), what, where);
		}
		try (PredicateSandbox.Originals originals = judge.originals(placement.original(), placement.columns())) {
			this.loader.load(placement.chunks(), into, originals.into());
			return originals.select(connection, what, where);
		}
	}

	private MaskPlan maskPlan(Connection connection, List<Placement> placements) throws SQLException {
		return maskPlan(this.masking, connection, placements, (p) -> this.names.get(p.original()).quoted());
	}

	/**
	 * The policy bound to the columns of the relations the rows of {@code placements} go
	 * into (named as the backup names their tables); {@code null} when nothing is masked.
	 * @throws RedoubtException {@code MASKING_POLICY} when the policy leaves a column
	 * unclassified (strict) or a transform does not fit
	 */
	static MaskPlan maskPlan(Masking masking, Connection connection, List<Placement> placements,
			Function<Placement, String> relation) throws SQLException {
		if (masking == null) {
			return null;
		}
		List<ColumnInfo> columns = new ArrayList<>();
		for (Placement placement : placements) {
			columns.addAll(ColumnInfo.of(connection, relation.apply(placement), placement.entry().schema(),
					placement.entry().name()));
		}
		return masking.plan(placements.stream().map(Placement::entry).toList(), columns);
	}

	/** How a table's rows are rewritten on their way in: masked, or not at all. */
	static UnaryOperator<InputStream> rewrite(MaskPlan mask, Placement placement) {
		return (mask == null) ? null : (rows) -> mask.mask(placement.entry(), rows);
	}

	/** The columns of a table that {@code mask} masks. */
	static List<String> masked(MaskPlan mask, Placement placement) {
		return (mask == null) ? List.of()
				: mask.maskedColumns().getOrDefault(placement.entry().qualifiedName(), List.of());
	}

	/**
	 * Restores the tables through a staging schema, the rows loaded by {@code jobs}
	 * sessions at once: the tables and their sequences are created there (committed, so
	 * the loading sessions see them), loaded, given their constraints and indexes, and
	 * moved to their destinations in one transaction. No predicate, no dry run.
	 */
	List<Outcome> restoreInParallel(StagingSchema staging, ConnectionSpec target, List<Placement> placements,
			List<SequenceEntry> sequences, boolean foreignKeysToOtherTables, int jobs) throws SQLException {
		Connection connection = staging.owner();
		connection.setAutoCommit(false);
		CopyText.applySessionSettings(connection);
		for (Placement placement : placements) {
			execute(connection, placement.definitions().creation());
		}
		connection.commit();
		MaskPlan mask = maskPlan(connection, placements);
		List<Integer> owners = new ArrayList<>();
		List<AtomicLong> rows = new ArrayList<>();
		for (int i = 0; i < placements.size(); i++) {
			rows.add(new AtomicLong());
			for (int c = 0; c < placements.get(i).chunks().size(); c++) {
				owners.add(i);
			}
		}
		Workers.run(jobs, "redoubt-load-worker", (worker) -> () -> drain(target, placements, owners, rows, mask));
		List<Outcome> outcomes = new ArrayList<>();
		for (int i = 0; i < placements.size(); i++) {
			outcomes.add(new Outcome(rows.get(i).get(), new ArrayList<>(), triggers(placements.get(i)),
					masked(mask, placements.get(i))));
		}
		finish(connection, placements, outcomes, sequences, foreignKeysToOtherTables);
		staging.moveInto(placements.stream().map(Placement::destination).toList());
		connection.commit();
		return outcomes;
	}

	/** One loading session: takes chunks of the shared plan until none is left. */
	private void drain(ConnectionSpec target, List<Placement> placements, List<Integer> owners, List<AtomicLong> rows,
			MaskPlan mask) {
		try (Connection connection = target.open("redoubt table restore worker")) {
			ChunkLoader.prepare(connection);
			SessionLoader.Fetched next;
			while ((next = this.loader.next()) != null) {
				Placement placement = placements.get(owners.get(next.index()));
				long copied = this.loader.copy(new SessionLoader.Into(connection,
						this.names.get(placement.original()).quoted(), placement.columns(), rewrite(mask, placement)),
						next.chunk(), next.await());
				rows.get(owners.get(next.index())).addAndGet(copied);
				CrashPoint.fromSystemProperty().reached(CrashPoint.DURING_STAGED_LOAD);
			}
			connection.commit();
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"loading into database " + target.database() + " failed: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Constraints and indexes once the rows are in, foreign keys between restored tables
	 * (and, if asked, to others), and the owned sequences' values.
	 */
	private void finish(Connection connection, List<Placement> placements, List<Outcome> outcomes,
			List<SequenceEntry> sequences, boolean foreignKeysToOtherTables) throws SQLException {
		// every table's keys first: a foreign key needs the key it references
		for (Placement placement : placements) {
			execute(connection, placement.definitions().afterRows());
		}
		for (int i = 0; i < placements.size(); i++) {
			Placement placement = placements.get(i);
			for (Definition key : placement.definitions().foreignKeys()) {
				QualifiedName referenced = TableDefinitions.referenced(key);
				if (this.names.containsKey(referenced) || foreignKeysToOtherTables) {
					execute(connection, List.of(key));
				}
				else {
					outcomes.get(i)
						.foreignKeysNotCreated()
						.add(TableDefinitions.relocate(key, this.finalNames, this.rename));
				}
			}
		}
		setSequences(connection, sequences);
	}

	private void createSchemas(Connection connection, List<Placement> placements) throws SQLException {
		Set<String> schemas = new LinkedHashSet<>();
		placements.forEach((p) -> schemas.add(p.destination().schema()));
		try (Statement statement = connection.createStatement()) {
			for (String schema : schemas) {
				statement.execute("CREATE SCHEMA IF NOT EXISTS " + TableEntry.quote(schema));
			}
		}
	}

	/**
	 * Creates the destination table with its sequences and defaults, and with a predicate
	 * a temporary copy to stage the rows in, on which the predicate is judged before any
	 * row is loaded.
	 * @return the relation the chunks are copied into
	 */
	private String createTable(Connection connection, Placement placement, int index, String where)
			throws SQLException {
		execute(connection, placement.definitions().creation());
		return (where == null) ? placement.destination().quoted()
				: createStage(connection, placement, "redoubt_stage_" + index, true);
	}

	/**
	 * A temporary table of the backup's shape to stage a table's rows in; with
	 * {@code numbered}, each row numbered in load order
	 * ({@link PredicateSandbox#POSITION}) so that a predicate judged elsewhere can name
	 * the rows it selects.
	 * @return the stage, qualified
	 */
	static String createStage(Connection connection, Placement placement, String name, boolean numbered)
			throws SQLException {
		if (numbered && placement.entry().columns().isEmpty()) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					placement.entry().qualifiedName() + " has no columns, so --where has nothing to select its rows by",
					"restore the table without --where", null);
		}
		try (Statement statement = connection.createStatement()) {
			statement
				.execute(TableDefinitions.asTemporary(placement.definitions().table(), placement.original(), name));
			if (numbered) {
				statement.execute("ALTER TABLE pg_temp." + TableEntry.quote(name) + " ADD COLUMN "
						+ PredicateSandbox.QUOTED_POSITION + " bigint GENERATED ALWAYS AS IDENTITY");
			}
		}
		return "pg_temp." + TableEntry.quote(name);
	}

	/**
	 * Inserts the staged rows the predicate selected into the destination.
	 * @param selected the condition {@link PredicateSandbox} wrote, never the predicate
	 * @return rows inserted
	 */
	private static long select(Connection connection, String stage, QualifiedName destination, List<String> columns,
			String selected) throws SQLException {
		String list = String.join(", ", columns);
		try (Statement statement = connection.createStatement()) {
			return statement.executeLargeUpdate("INSERT INTO " + destination.quoted() + " (" + list
					+ ") OVERRIDING SYSTEM VALUE SELECT " + list + " FROM " + stage + " WHERE " + selected);
		}
	}

	private static long count(Connection connection, String stage, String selected) throws SQLException {
		try (Statement statement = connection.createStatement();
				var rows = statement.executeQuery("SELECT count(*) FROM " + stage + " WHERE " + selected)) {
			rows.next();
			return rows.getLong(1);
		}
	}

	private List<String> triggers(Placement placement) {
		return placement.definitions().triggers().stream().map((trigger) -> trigger.statement().text()).toList();
	}

	private void execute(Connection connection, List<Definition> definitions) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			for (Definition definition : definitions) {
				statement.execute(TableDefinitions.relocate(definition, this.names, this.rename));
			}
		}
	}

	/** The backup's values of the restored tables' own sequences, on their copies. */
	private void setSequences(Connection connection, List<SequenceEntry> sequences) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT pg_catalog.setval(?::regclass, ?, ?)")) {
			for (SequenceEntry sequence : sequences) {
				QualifiedName copy = this.names.get(new QualifiedName(sequence.schema(), sequence.name()));
				if (copy != null) {
					statement.setString(1, copy.quoted());
					statement.setLong(2, sequence.lastValue());
					statement.setBoolean(3, sequence.isCalled());
					statement.execute();
				}
			}
		}
	}

}
