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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.progress.Progress;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.LibpqConnection;
import dev.redoubt.core.pg.CopyText;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.mask.MaskPlan;
import dev.redoubt.restore.sandbox.Sandbox;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.sandbox.Sandboxes;

/**
 * Brings back single tables, or the rows of them a predicate selects, beside the live
 * tables or into them. Only the chunks whose recorded key bounds can hold selected rows
 * are fetched. The backup's DDL of each table is rewritten to its destination
 * ({@link TableDefinitions}) and run in the target, and the rows are copied in over the
 * same session, in one transaction: the target gets the whole result or nothing. A
 * predicate is judged on an empty staged copy before anything is fetched and runs only on
 * the staged rows, never on the live table. Into a live table, the staged rows are merged
 * by a conflict mode ({@link LiveTableMerge}). Only a file or a dry run without a target
 * stages in a throwaway sandbox, so that no database is touched. Run by
 * {@link RestoreEngine#restoreTables}, which hands it a validated request.
 */
final class TableRestore {

	private static final Logger log = LoggerFactory.getLogger(TableRestore.class);

	private static final String STAGE = "redoubt_stage";

	private final Repository repository;

	private final Clock clock;

	private final SandboxKind sandboxKind;

	private final Path sandboxRoot;

	TableRestore(Repository repository, Clock clock, SandboxKind sandboxKind, Path sandboxRoot) {
		this.repository = repository;
		this.clock = clock;
		this.sandboxKind = sandboxKind;
		this.sandboxRoot = sandboxRoot;
	}

	TableRestoreResult run(String source, BackupId id, RestoreRequest request) {
		Instant start = this.clock.instant();
		// a table restore killed while its predicate's sandbox ran left that sandbox (and
		// its server) behind: every table restore clears such leftovers
		if (this.sandboxRoot != null) {
			dev.redoubt.restore.sandbox.SandboxJanitor.sweep(this.sandboxRoot);
		}
		Manifest manifest = this.repository.readManifest(source, id);
		log.debug("manifest of backup {} read", id);
		List<TableEntry> tables = select(manifest, request);
		String destinationSchema = (request.into() != null) ? request.into().schema()
				: "redoubt_restore_" + id.value().toLowerCase(Locale.ROOT).replace('-', '_');
		boolean inSandbox = request.toFile() != null || request.target() == null;
		if (!inSandbox && !request.intoExisting()) {
			requireAbsent(request.target(), tables, request.into(), destinationSchema);
		}
		byte[] dataKey = this.repository.dataKey(manifest);
		log.debug("destination checked, data key unwrapped");
		int major = manifest.source().serverVersionNum() / 10000;
		Map<TableEntry, List<ChunkRef>> chunks = prune(tables, request.where());
		// a dry run without a predicate counts from the manifest; every other run loads
		// rows
		List<ChunkRef> fetch = (request.dryRun() && request.where() == null && !request.intoExisting()) ? List.of()
				: chunks.values().stream().flatMap(List::stream).toList();
		Progress progress = Progress.start("restore", fetch.size(),
				fetch.stream().mapToLong(ChunkRef::storedBytes).sum());
		List<TableRestoreResult.Table> results;
		String destination;
		// fetching starts now, while the DDL is read and the target prepared
		try (SessionLoader loader = new SessionLoader(this.repository, dataKey, request.jobs(), progress, fetch)) {
			byte[] schema = ChunkDecoder.readAll(this.repository.readChunk(manifest.schema()), dataKey,
					this.repository.keys().chunkIdKey(), manifest.schema().id());
			TableDefinitions definitions;
			try (SchemaRestorer restorer = new SchemaRestorer(schema, major, null,
					new RestoreOptions(1, false, true))) {
				definitions = TableDefinitions.parse(restorer.script(TableDefinitions.ENTRY_TYPES));
			}
			List<BesideRestore.Placement> placements = plan(tables, chunks, definitions, request, destinationSchema);
			log.debug("table definitions read from the schema archive");
			// a predicate is judged in a sandbox of its own, never where it could do harm
			try (PredicateSandbox judge = (request.where() == null) ? null
					: PredicateSandbox.start(this.sandboxKind, this.sandboxRoot, major, schema)) {
				if (inSandbox) {
					results = inSandbox(manifest, schema, major, placements, request, loader, judge);
					destination = request.dryRun() ? "nothing written (dry run)" : request.toFile().toString();
				}
				else if (request.intoExisting()) {
					results = merge(placements, request, loader, judge);
					destination = request.dryRun() ? "nothing written (dry run)"
							: "the live table(s) in database " + request.target().database();
				}
				else {
					results = beside(request.target(), manifest, placements, request, loader, judge);
					destination = request.dryRun() ? "nothing written (dry run)"
							: "database " + request.target().database();
				}
			}
		}
		finally {
			progress.finish();
		}
		TableRestoreResult result = new TableRestoreResult(id.value(), destination, results,
				Duration.between(start, this.clock.instant()), null);
		log.info("table restore of backup {}: {} table(s) into {} in {} ms", id, results.size(), destination,
				result.duration().toMillis());
		return result;
	}

	/** The tables named, and every table of the schemas named, each once. */
	private static List<TableEntry> select(Manifest manifest, RestoreRequest request) {
		Set<TableEntry> tables = new LinkedHashSet<>();
		request.tables().forEach((name) -> tables.add(find(manifest, name)));
		for (String schema : request.schemas()) {
			List<TableEntry> inSchema = manifest.tables().stream().filter((t) -> t.schema().equals(schema)).toList();
			if (inSchema.isEmpty()) {
				throw new RedoubtException(ErrorCode.INVALID_SELECTION,
						"backup " + manifest.backupId() + " holds no table in schema " + TableEntry.quote(schema),
						"list the tables with: redoubt info --source " + manifest.source().name() + " --output json",
						null);
			}
			tables.addAll(inSchema);
		}
		if (request.into() != null && tables.size() > 1) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"--into names one table, but " + tables.size() + " tables are selected");
		}
		return List.copyOf(tables);
	}

	/**
	 * Each table's chunks that can hold selected rows, by the key range of the predicate.
	 */
	private static Map<TableEntry, List<ChunkRef>> prune(List<TableEntry> tables, String where) {
		Map<TableEntry, List<ChunkRef>> chunks = new LinkedHashMap<>();
		for (TableEntry table : tables) {
			Optional<KeyRange> range = KeyRange.of(where, table.keyColumn());
			chunks.put(table,
					table.chunks()
						.stream()
						.filter((chunk) -> range.map((r) -> r.mayHold(chunk)).orElse(true))
						.toList());
		}
		return chunks;
	}

	/** Each table's destination, DDL and chunks. */
	private static List<BesideRestore.Placement> plan(List<TableEntry> tables, Map<TableEntry, List<ChunkRef>> chunks,
			TableDefinitions definitions, RestoreRequest request, String destinationSchema) {
		List<BesideRestore.Placement> placements = new ArrayList<>();
		for (TableEntry table : tables) {
			QualifiedName destination = (request.into() != null) ? request.into()
					: new QualifiedName(destinationSchema, table.name());
			placements.add(new BesideRestore.Placement(table, definitions.of(table), destination, chunks.get(table)));
		}
		return placements;
	}

	/**
	 * Every restored table and owned sequence to its destination: under the table's own
	 * names in the destination schema, or, renamed with {@code --into}, sequences after
	 * the new table name.
	 */
	private static Map<QualifiedName, QualifiedName> destinations(List<BesideRestore.Placement> placements,
			UnaryOperator<String> rename) {
		Map<QualifiedName, QualifiedName> names = new HashMap<>();
		for (BesideRestore.Placement placement : placements) {
			names.put(placement.original(), placement.destination());
			for (QualifiedName sequence : placement.definitions().sequences()) {
				names.put(sequence, new QualifiedName(placement.destination().schema(), rename.apply(sequence.name())));
			}
		}
		return names;
	}

	/**
	 * How index, constraint and sequence names follow {@code --into}: {@code orders_pkey}
	 * becomes {@code orders_range_pkey} (in a schema that holds the live table, the old
	 * names are taken); without {@code --into} they stay.
	 */
	private static UnaryOperator<String> renaming(RestoreRequest request, List<TableEntry> tables) {
		if (request.into() == null) {
			return UnaryOperator.identity();
		}
		String oldName = tables.get(0).name();
		String newName = request.into().name();
		return (name) -> name.startsWith(oldName) ? newName + name.substring(oldName.length()) : newName + "_" + name;
	}

	private List<TableRestoreResult.Table> beside(ConnectionSpec target, Manifest manifest,
			List<BesideRestore.Placement> placements, RestoreRequest request, SessionLoader loader,
			PredicateSandbox judge) {
		UnaryOperator<String> rename = renaming(request,
				placements.stream().map(BesideRestore.Placement::entry).toList());
		Map<QualifiedName, QualifiedName> names = destinations(placements, rename);
		int chunks = placements.stream().mapToInt((p) -> p.chunks().size()).sum();
		List<BesideRestore.Outcome> outcomes;
		try {
			if (request.where() == null && !request.dryRun() && request.jobs() > 1 && chunks > 1) {
				// several sessions load at once; the tables move into place in one commit
				try (StagingSchema staging = StagingSchema.create(target)) {
					Map<QualifiedName, QualifiedName> staged = new HashMap<>();
					names.forEach((from, to) -> staged.put(from, new QualifiedName(staging.name(), to.name())));
					outcomes = new BesideRestore(loader, staged, rename, names, request.masking()).restoreInParallel(
							staging, target, placements, manifest.sequences(), request.foreignKeys(),
							Math.min(request.jobs(), chunks));
				}
			}
			else {
				try (Connection connection = target.open("redoubt table restore")) {
					outcomes = new BesideRestore(loader, names, rename, names, request.masking()).restore(connection,
							placements, request.where(), judge, manifest.sequences(), request.foreignKeys(),
							request.dryRun());
				}
			}
		}
		catch (SQLException ex) {
			throw failed(target, ex);
		}
		List<TableRestoreResult.Table> results = new ArrayList<>();
		for (int i = 0; i < placements.size(); i++) {
			BesideRestore.Outcome outcome = outcomes.get(i);
			results.add(result(placements.get(i), outcome.rowsSelected(),
					request.dryRun() ? null : placements.get(i).destination().quoted(), outcome.foreignKeysNotCreated(),
					outcome.triggersNotCreated(), outcome.maskedColumns(), null));
		}
		return results;
	}

	/** Merges into each live table, one transaction each. */
	private List<TableRestoreResult.Table> merge(List<BesideRestore.Placement> placements, RestoreRequest request,
			SessionLoader loader, PredicateSandbox judge) {
		List<TableRestoreResult.Table> results = new ArrayList<>();
		for (BesideRestore.Placement placement : placements) {
			try (Connection connection = request.target().open("redoubt table restore")) {
				connection.setAutoCommit(false);
				CopyText.applySessionSettings(connection);
				String stage = BesideRestore.createStage(connection, placement, "redoubt_stage", judge != null);
				// masked rows merge only without a predicate (RestoreRequest refuses
				// both)
				MaskPlan mask = BesideRestore.maskPlan(request.masking(), connection, List.of(placement), (p) -> stage);
				loader.load(placement.chunks(), new SessionLoader.Into(connection, stage, placement.columns(),
						BesideRestore.rewrite(mask, placement)));
				String what = placement.entry().qualifiedName();
				String stageSelected = (judge == null) ? null
						: judge.selectStaged(connection, stage, placement.original(), what, request.where());
				LiveTableMerge.LiveSelection liveSelection = (judge == null) ? null : (session, live, columns) -> judge
					.selectLive(session, live, placement.original(), columns, what, request.where());
				LiveTableMerge.Counts counts = LiveTableMerge.merge(connection, placement.entry(), stage, stageSelected,
						liveSelection, request.conflict(), request.dryRun(), request.allowDroppedColumns(),
						request.disableTriggers());
				long selected = counts.inserted() + counts.updated() + counts.unchanged();
				results.add(result(placement, selected, request.dryRun() ? null : placement.entry().qualifiedName(),
						List.of(), List.of(), BesideRestore.masked(mask, placement),
						new TableRestoreResult.Merge(request.conflict().name().toLowerCase(Locale.ROOT),
								counts.inserted(), counts.updated(), counts.unchanged(), counts.deleted(),
								counts.droppedColumns())));
			}
			catch (SQLException ex) {
				throw failed(request.target(), ex);
			}
		}
		return results;
	}

	/**
	 * For a file, or a dry run with no target: the backup's schema in a throwaway
	 * sandbox, the tables restored beside their empty originals there, then written out.
	 */
	private List<TableRestoreResult.Table> inSandbox(Manifest manifest, byte[] schema, int major,
			List<BesideRestore.Placement> placements, RestoreRequest request, SessionLoader loader,
			PredicateSandbox judge) {
		try (Sandbox sandbox = Sandboxes.start(this.sandboxKind, major, this.sandboxRoot)) {
			sandbox.createDatabase(STAGE);
			ConnectionSpec stage = sandbox.connection(STAGE);
			try (SchemaRestorer restorer = new SchemaRestorer(schema, major, stage,
					new RestoreOptions(request.jobs(), false, true))) {
				restorer.preData();
			}
			List<TableRestoreResult.Table> results = beside(stage, manifest, placements, request, loader, judge);
			if (request.toFile() != null) {
				writeFile(stage, placements.stream().map(BesideRestore.Placement::destination).toList(),
						request.toFile(), major);
			}
			return results;
		}
	}

	private static TableRestoreResult.Table result(BesideRestore.Placement placement, long selected, String restoredAs,
			List<String> foreignKeys, List<String> triggers, List<String> masked, TableRestoreResult.Merge merge) {
		TableEntry table = placement.entry();
		return new TableRestoreResult.Table(table.qualifiedName(), restoredAs, placement.chunks().size(),
				table.chunks().size(), placement.chunks().stream().mapToLong(ChunkRef::storedBytes).sum(),
				table.chunks().stream().mapToLong(ChunkRef::storedBytes).sum(), selected, table.rows(), foreignKeys,
				triggers, masked, merge);
	}

	private static RedoubtException failed(ConnectionSpec target, SQLException ex) {
		return new RedoubtException(
				ErrorCode.RESTORE_INCOMPLETE, "restoring into database " + target.database()
						+ " failed and was rolled back (nothing was changed): " + ex.getMessage().replace('\n', ' '),
				ex);
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

	/**
	 * {@code pg_dump} of staged tables into {@code file}, without owners or privileges.
	 */
	private static void dumpStaged(ConnectionSpec stage, int major, Path file, List<String> format,
			List<String> selection) {
		List<String> dump = new ArrayList<>(List.of(PgTools.find("pg_dump", major).toString()));
		dump.addAll(format);
		dump.addAll(List.of("--no-owner", "--no-privileges", "-f", file.toString()));
		dump.addAll(selection);
		try (LibpqConnection connection = LibpqConnection.prepare(stage, "redoubt table restore")) {
			dump.add(connection.dbnameArgument());
			ToolProcess.run(dump, Map.of(), "pg_dump of the staged tables");
		}
	}

	private static void writeFile(ConnectionSpec stage, List<QualifiedName> tables, Path file, int major) {
		Path partial = file.resolveSibling(file.getFileName() + ".partial");
		try {
			if (file.getFileName().toString().endsWith(".csv")) {
				try (Connection connection = stage.open("redoubt table restore");
						OutputStream out = Files.newOutputStream(partial)) {
					connection.unwrap(PGConnection.class)
						.getCopyAPI()
						.copyOut("COPY " + tables.get(0).quoted() + " TO STDOUT WITH (FORMAT csv, HEADER)", out);
				}
			}
			else {
				dumpStaged(stage, major, partial, List.of(),
						tables.stream().map((name) -> "--table=" + name.quoted()).toList());
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
