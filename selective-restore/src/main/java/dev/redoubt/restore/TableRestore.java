package dev.redoubt.restore;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.concurrent.Workers;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.restore.sandbox.Sandbox;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.sandbox.Sandboxes;

/**
 * Brings back single tables, or the rows of them a predicate selects, beside the live
 * tables: the backup's schema is restored into a throwaway sandbox, only the chunks whose
 * key bounds can hold selected rows are fetched and loaded there, the predicate runs on
 * those staged rows (never on the live database), indexes and constraints are built, and
 * the tables are moved into the destination schema and copied into the target in one
 * transaction ({@code pg_dump} of that schema, {@code pg_restore --single-transaction}):
 * the target gets the whole result or nothing. Foreign keys to other tables are reported,
 * not created.
 */
public final class TableRestore {

	private static final Logger log = LoggerFactory.getLogger(TableRestore.class);

	private static final String STAGE = "redoubt_stage";

	private final Repository repository;

	private final Clock clock;

	private final SandboxKind sandboxKind;

	private final Path sandboxRoot;

	public TableRestore(Repository repository, Clock clock, SandboxKind sandboxKind, Path sandboxRoot) {
		this.repository = repository;
		this.clock = clock;
		this.sandboxKind = sandboxKind;
		this.sandboxRoot = sandboxRoot;
	}

	public TableRestoreResult run(String source, BackupId id, TableRestoreRequest request) {
		Instant start = this.clock.instant();
		validate(request);
		Manifest manifest = this.repository.readManifest(source, id);
		List<TableEntry> tables = request.tables().stream().map((name) -> find(manifest, name)).toList();
		String destinationSchema = (request.into() != null) ? request.into().schema()
				: "redoubt_restore_" + id.value().toLowerCase(Locale.ROOT).replace('-', '_');
		if (request.target() != null && !request.dryRun() && request.toFile() == null && !request.intoExisting()) {
			requireAbsent(request.target(), tables, request.into(), destinationSchema);
		}
		byte[] dataKey = this.repository.dataKey(manifest);
		int major = manifest.source().serverVersionNum() / 10000;
		List<TableRestoreResult.Table> results = new ArrayList<>();
		String destination;
		try (Sandbox sandbox = Sandboxes.start(this.sandboxKind, major, this.sandboxRoot)) {
			sandbox.createDatabase(STAGE);
			ConnectionSpec stage = sandbox.connection(STAGE);
			byte[] schema = ChunkDecoder.readAll(this.repository.readChunk(manifest.schema()), dataKey,
					this.repository.keys().chunkIdKey(), manifest.schema().id());
			List<ForeignKeyDefinition> foreignKeys;
			try (SchemaRestorer restorer = new SchemaRestorer(schema, major, stage,
					new RestoreOptions(request.jobs(), false, true))) {
				restorer.preData();
				// the staged tables are empty now: a bad predicate fails before any chunk
				// is fetched
				tables.forEach((table) -> {
					PredicateGuard.check(stage, table, request.where());
					count(stage, table, request.where());
				});
				List<LoadTask> plan = new ArrayList<>();
				for (TableEntry table : tables) {
					Optional<KeyRange> range = KeyRange.of(request.where(), table.keyColumn());
					table.chunks()
						.stream()
						.filter((chunk) -> range.map((r) -> r.mayHold(chunk)).orElse(true))
						.forEach((chunk) -> plan.add(new LoadTask(table, chunk)));
				}
				load(plan, dataKey, stage, request.jobs());
				for (TableEntry table : tables) {
					long selected = select(stage, table, request.where());
					List<ChunkRef> fetched = plan.stream()
						.filter((task) -> task.table() == table)
						.map(LoadTask::chunk)
						.toList();
					results.add(new TableRestoreResult.Table(table.qualifiedName(), null, fetched.size(),
							table.chunks().size(), fetched.stream().mapToLong(ChunkRef::storedBytes).sum(),
							table.chunks().stream().mapToLong(ChunkRef::storedBytes).sum(), selected, table.rows(),
							List.of(), null));
				}
				if (request.intoExisting()) {
					return merge(start, id, request, tables, results, stage);
				}
				foreignKeys = restorer.postDataWithoutForeignKeys();
			}
			new TargetDatabase(stage).setSequences(manifest.sequences());
			List<QualifiedName> moved = move(stage, tables, request.into(), destinationSchema);
			for (int i = 0; i < results.size(); i++) {
				TableEntry table = tables.get(i);
				TableRestoreResult.Table result = results.get(i);
				List<String> keys = foreignKeys.stream()
					.filter((fk) -> QualifiedName.parse(fk.schema() + "." + fk.table()).matches(table))
					.map(ForeignKeyDefinition::sql)
					.toList();
				results.set(i, result.with((request.dryRun()) ? null : moved.get(i).quoted(), keys, null));
			}
			if (request.dryRun()) {
				destination = "nothing written (dry run)";
			}
			else if (request.toFile() != null) {
				writeFile(stage, moved, request.toFile(), major);
				destination = request.toFile().toString();
			}
			else {
				copyToTarget(stage, moved, destinationSchema, request.target(), major);
				destination = "database " + request.target().database();
			}
		}
		TableRestoreResult result = new TableRestoreResult(id.value(), destination, results,
				Duration.between(start, this.clock.instant()));
		log.info("table restore of backup {}: {} table(s) into {} in {} ms", id, results.size(), destination,
				result.duration().toMillis());
		return result;
	}

	/** Merges the staged rows of each table into the live table, one transaction each. */
	private TableRestoreResult merge(Instant start, BackupId id, TableRestoreRequest request, List<TableEntry> tables,
			List<TableRestoreResult.Table> results, ConnectionSpec stage) {
		Path directory = DirectoryTree.createPrivateTemp("redoubt-tables");
		try {
			LiveTableMerge merge = new LiveTableMerge(stage, request.target(), directory);
			for (int i = 0; i < tables.size(); i++) {
				LiveTableMerge.Counts counts = merge.merge(tables.get(i), request.where(), request.conflict(),
						request.dryRun(), request.allowDroppedColumns(), request.disableTriggers());
				results.set(i,
						results.get(i)
							.with(request.dryRun() ? null : tables.get(i).qualifiedName(), List.of(),
									new TableRestoreResult.Merge(request.conflict().name().toLowerCase(Locale.ROOT),
											counts.inserted(), counts.updated(), counts.unchanged(), counts.deleted(),
											counts.droppedColumns())));
			}
		}
		finally {
			DirectoryTree.delete(directory);
		}
		String destination = request.dryRun() ? "nothing written (dry run)"
				: "the live table(s) in database " + request.target().database();
		return new TableRestoreResult(id.value(), destination, results, Duration.between(start, this.clock.instant()));
	}

	private static void validate(TableRestoreRequest request) {
		if (request.intoExisting() && (request.into() != null || request.toFile() != null)) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--into-existing merges into the live table: it excludes --into and --to-file");
		}
		if (request.intoExisting() && request.target() == null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--into-existing needs --target");
		}
		if (request.tables().isEmpty()) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION, "no table named: give --table schema.table");
		}
		if (request.into() != null && request.tables().size() > 1) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"--into names one table, but " + request.tables().size() + " tables are selected");
		}
		PredicateGuard.checkShape(request.where());
		if (request.target() == null && request.toFile() == null && !request.dryRun()) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"a table restore needs --target, --to-file or --dry-run");
		}
		if (request.toFile() != null) {
			String name = request.toFile().getFileName().toString();
			if (!name.endsWith(".csv") && !name.endsWith(".sql")) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--to-file must end in .csv or .sql: " + name);
			}
			if (name.endsWith(".csv") && request.tables().size() > 1) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID,
						"a .csv file holds one table; use .sql for several");
			}
			if (Files.exists(request.toFile())) {
				throw new RedoubtException(ErrorCode.OBJECT_EXISTS, request.toFile() + " exists; nothing overwritten");
			}
		}
	}

	private static TableEntry find(Manifest manifest, QualifiedName name) {
		return manifest.tables()
			.stream()
			.filter(name::matches)
			.findFirst()
			.orElseThrow(() -> new RedoubtException(ErrorCode.INVALID_SELECTION,
					"backup " + manifest.backupId() + " holds no table " + name.quoted()
							+ (manifest.tables().stream().anyMatch((t) -> name.quoted().equals(t.partitionOf()))
									? " with rows of its own (it is partitioned: name its partitions)" : ""),
					"list the tables with: redoubt info --source " + manifest.source().name() + " --output json",
					null));
	}

	/** Refuses to write where a table of the same name exists. */
	private static void requireAbsent(ConnectionSpec target, List<TableEntry> tables, QualifiedName into,
			String schema) {
		try (Connection connection = target.open("redoubt table restore");
				PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
			for (TableEntry table : tables) {
				QualifiedName name = (into != null) ? into : new QualifiedName(schema, table.name());
				exists.setString(1, name.quoted());
				try (ResultSet rows = exists.executeQuery()) {
					rows.next();
					if (rows.getBoolean(1)) {
						throw new RedoubtException(ErrorCode.OBJECT_EXISTS,
								name.quoted() + " already exists in database " + target.database(),
								"choose another destination with --into schema.table, or drop it first", null);
					}
				}
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot check the target database " + target.database() + ": " + ex.getMessage(), ex);
		}
	}

	private void load(List<LoadTask> plan, byte[] dataKey, ConnectionSpec stage, int jobs) {
		ConcurrentLinkedQueue<LoadTask> tasks = new ConcurrentLinkedQueue<>(plan);
		ChunkLoader loader = new ChunkLoader(this.repository, dataKey, stage, (task) -> {
		}, true);
		Workers.run(Math.max(1, Math.min(jobs, plan.size())), "redoubt-stage-worker", (i) -> () -> loader.drain(tasks));
	}

	/**
	 * Applies the predicate to the staged rows: first read-only (a predicate that writes,
	 * or names an unknown column, fails here with the server's message), then the rows it
	 * does not select are removed from the stage.
	 * @return rows selected
	 */
	private static long select(ConnectionSpec stage, TableEntry table, String where) {
		long count = count(stage, table, where);
		try (Connection connection = stage.open("redoubt table restore")) {
			connection.setAutoCommit(false);
			if (where != null) {
				try (Statement statement = connection.createStatement()) {
					statement.executeUpdate(
							"DELETE FROM ONLY " + table.qualifiedName() + " WHERE (" + where + ") IS NOT TRUE");
				}
				connection.commit();
			}
			return count;
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"staging " + table.qualifiedName() + " failed: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Counts the staged rows the predicate selects, in a read-only transaction: a
	 * predicate that writes, or names an unknown column, fails with the server's message.
	 */
	private static long count(ConnectionSpec stage, TableEntry table, String where) {
		try (Connection connection = stage.open("redoubt table restore")) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET TRANSACTION READ ONLY");
				String filter = (where == null) ? "" : " WHERE (" + where + ")";
				try (ResultSet rows = statement
					.executeQuery("SELECT count(*) FROM ONLY " + table.qualifiedName() + filter)) {
					rows.next();
					return rows.getLong(1);
				}
			}
			finally {
				connection.rollback();
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION, "--where is not a valid read-only predicate on "
					+ table.qualifiedName() + ": " + ex.getMessage().replace('\n', ' '), ex);
		}
	}

	/**
	 * Moves the staged tables (with their indexes, constraints and owned sequences) into
	 * the destination schema of the sandbox, under their destination names.
	 */
	private static List<QualifiedName> move(ConnectionSpec stage, List<TableEntry> tables, QualifiedName into,
			String schema) {
		List<QualifiedName> moved = new ArrayList<>();
		try (Connection connection = stage.open("redoubt table restore");
				Statement statement = connection.createStatement()) {
			for (TableEntry table : tables) {
				QualifiedName target = (into != null) ? into : new QualifiedName(schema, table.name());
				String temporary = "redoubt_moving_" + moved.size();
				statement.execute("CREATE SCHEMA IF NOT EXISTS " + TableEntry.quote(target.schema()));
				// rename first: the destination schema may hold a staged table of that
				// name
				statement.execute("ALTER TABLE " + table.qualifiedName() + " RENAME TO " + TableEntry.quote(temporary));
				statement.execute("ALTER TABLE " + TableEntry.quote(table.schema()) + "." + TableEntry.quote(temporary)
						+ " SET SCHEMA " + TableEntry.quote(target.schema()));
				statement.execute("ALTER TABLE " + TableEntry.quote(target.schema()) + "." + TableEntry.quote(temporary)
						+ " RENAME TO " + TableEntry.quote(target.name()));
				if (into != null) {
					renameCompanions(connection, table.name(), target);
				}
				moved.add(target);
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"preparing the restored tables failed: " + ex.getMessage(), ex);
		}
		return moved;
	}

	/**
	 * Renames a moved table's indexes (and so the constraints they back) and owned
	 * sequences after its new name, {@code orders_pkey} becoming
	 * {@code orders_range_pkey}: in a schema that holds the live table, the old names are
	 * taken.
	 */
	private static void renameCompanions(Connection connection, String oldName, QualifiedName table)
			throws SQLException {
		String sql = "SELECT c.relkind, c.relname FROM pg_class c WHERE c.oid IN ("
				+ "SELECT indexrelid FROM pg_index WHERE indrelid = ?::regclass UNION "
				+ "SELECT objid FROM pg_depend WHERE refobjid = ?::regclass AND classid = 'pg_class'::regclass"
				+ " AND deptype IN ('a', 'i') AND objid IN (SELECT oid FROM pg_class WHERE relkind = 'S'))";
		List<String[]> companions = new ArrayList<>();
		try (PreparedStatement query = connection.prepareStatement(sql)) {
			query.setString(1, table.quoted());
			query.setString(2, table.quoted());
			try (ResultSet rows = query.executeQuery()) {
				while (rows.next()) {
					companions.add(new String[] { rows.getString(1), rows.getString(2) });
				}
			}
		}
		try (Statement statement = connection.createStatement()) {
			for (String[] companion : companions) {
				String name = companion[1];
				String renamed = name.startsWith(oldName) ? table.name() + name.substring(oldName.length())
						: table.name() + "_" + name;
				statement.execute("ALTER " + ("S".equals(companion[0]) ? "SEQUENCE " : "INDEX ")
						+ TableEntry.quote(table.schema()) + "." + TableEntry.quote(name) + " RENAME TO "
						+ TableEntry.quote(renamed));
			}
		}
	}

	/**
	 * Copies the destination schema (or, if the target has that schema already, just the
	 * tables) from the sandbox into the target in one transaction.
	 */
	private static void copyToTarget(ConnectionSpec stage, List<QualifiedName> moved, String schema,
			ConnectionSpec target, int major) {
		boolean schemaExists;
		try (Connection connection = target.open("redoubt table restore");
				PreparedStatement query = connection
					.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)")) {
			query.setString(1, schema);
			try (ResultSet rows = query.executeQuery()) {
				rows.next();
				schemaExists = rows.getBoolean(1);
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE, "cannot reach the target: " + ex.getMessage(),
					ex);
		}
		Path directory = DirectoryTree.createPrivateTemp("redoubt-tables");
		try {
			Path archive = directory.resolve("tables.dump");
			// uncompressed (-Z0): the archive lives for seconds on local disk, and
			// compressing it cost more CPU than the rest of the copy
			List<String> selection = schemaExists ? moved.stream().map((name) -> "--table=" + name.quoted()).toList()
					: List.of("--schema=" + TableEntry.quote(schema));
			dumpStaged(stage, major, archive, List.of("-Fc", "-Z0"), selection);
			List<String> restore = new ArrayList<>(List.of(PgTools.find("pg_restore", major).toString(),
					"--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--no-password"));
			target.libpqArguments().forEach((option, value) -> restore.add(option + "=" + value));
			restore.add(archive.toString());
			try {
				ToolProcess.run(restore, target.libpqEnvironment(), "pg_restore into " + target.database());
			}
			catch (RedoubtException ex) {
				throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "writing the restored tables into database "
						+ target.database() + " failed and was rolled back (nothing was changed): " + ex.getMessage(),
						ex);
			}
		}
		finally {
			DirectoryTree.delete(directory);
		}
	}

	/**
	 * {@code pg_dump} of staged tables into {@code file}, without owners or privileges.
	 */
	private static void dumpStaged(ConnectionSpec stage, int major, Path file, List<String> format,
			List<String> selection) {
		List<String> dump = new ArrayList<>(List.of(PgTools.find("pg_dump", major).toString()));
		dump.addAll(format);
		dump.addAll(List.of("--no-owner", "--no-privileges", "-f", file.toString()));
		dump.addAll(selection);
		stage.libpqArguments().forEach((option, value) -> dump.add(option + "=" + value));
		ToolProcess.run(dump, stage.libpqEnvironment(), "pg_dump of the staged tables");
	}

	private static void writeFile(ConnectionSpec stage, List<QualifiedName> moved, Path file, int major) {
		Path partial = file.resolveSibling(file.getFileName() + ".partial");
		try {
			if (file.getFileName().toString().endsWith(".csv")) {
				try (Connection connection = stage.open("redoubt table restore");
						OutputStream out = Files.newOutputStream(partial)) {
					connection.unwrap(PGConnection.class)
						.getCopyAPI()
						.copyOut("COPY " + moved.get(0).quoted() + " TO STDOUT WITH (FORMAT csv, HEADER)", out);
				}
			}
			else {
				dumpStaged(stage, major, partial, List.of(),
						moved.stream().map((name) -> "--table=" + name.quoted()).toList());
			}
			Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (IOException | SQLException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "cannot write " + file + ": " + ex.getMessage(),
					ex);
		}
		finally {
			try {
				Files.deleteIfExists(partial);
			}
			catch (IOException ex) {
				// the file was moved into place, or there is nothing to clean up
			}
		}
	}

}
