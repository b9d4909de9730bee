package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.AsOfRecovery;
import dev.redoubt.restore.ConflictMode;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.RestoreResult;
import dev.redoubt.restore.TableRestoreResult;
import dev.redoubt.restore.physical.PointInTimeRecovery;
import dev.redoubt.service.backup.LogicalBackup;
import dev.redoubt.service.config.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.pg.SchemaVersionReader;
import dev.redoubt.restore.mask.Masking;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.service.checkpoint.Checkpoint;
import dev.redoubt.service.checkpoint.Checkpoints;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code redoubt restore}: a full restore of a backup into an empty database. */
@Command(name = "restore", mixinStandardHelpOptions = true, description = {
		"Restore a backup into an empty database: schema, rows (chunks fetched from the first healthy "
				+ "region, every hash verified), then indexes, constraints, triggers, sequences.",
		"With --table or --schema: bring back single tables (or the rows --where selects) beside the live ones, "
				+ "in a new schema redoubt_restore_<backup id> (or --into schema.table), with their indexes, "
				+ "constraints, defaults and owned sequences; only chunks whose key range can match are fetched; "
				+ "the predicate is checked on an empty staged copy before anything is fetched and runs only on "
				+ "the staged rows, never on the live table; the target gets everything in one transaction or "
				+ "nothing. Foreign keys between restored tables are created; those to other tables are reported "
				+ "(--with-foreign-keys creates them). Triggers are reported, not created on the copy.",
		"With --into-existing: the selected rows are merged into the live table in one transaction by "
				+ "--conflict; the live table's triggers fire unless --disable-triggers.",
		"--to-file, and --dry-run without --target, stage in a throwaway PostgreSQL and touch no database.",
		"With --type physical --data-dir DIR [--to-time T | --to-lsn L | --to-xid X | --to-name N | --latest]: "
				+ "point-in-time recovery of the whole cluster from a base backup and the WAL archive; "
				+ "PostgreSQL replays to the target (WAL fetched ahead in parallel) and promotes; a target the "
				+ "archive cannot reach fails.",
		"With --table T --as-of TIME: the table as it was at TIME, recovered in a throwaway cluster and "
				+ "restored beside the live table (every table restore option applies).",
		"The target database must exist (and be empty for a full restore); its password is read from "
				+ "PGPASSWORD." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class RestoreCommand implements Callable<Integer>, JsonOutput {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RestoreCommand.class);

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source the backup belongs to.")
	String source;

	@Option(names = "--backup", paramLabel = "ID|latest", defaultValue = "latest",
			description = "Backup id, or latest (default); with --type physical or --as-of a base backup id, "
					+ "by default the newest that ends before the target.")
	String backup;

	@picocli.CommandLine.Mixin
	RecoveryTargetOptions pointInTime = new RecoveryTargetOptions();

	@Option(names = "--target", paramLabel = "JDBC_URL",
			description = "Target database, jdbc:postgresql://host:port/database.")
	String target;

	@Option(names = "--table", paramLabel = "SCHEMA.TABLE",
			description = "Restore only this table (repeatable); quote names with double quotes.")
	List<String> tables = new ArrayList<>();

	@Option(names = "--schema", paramLabel = "SCHEMA",
			description = "Restore every table of this schema (repeatable), as --table does for one.")
	List<String> schemas = new ArrayList<>();

	@Option(names = "--with-foreign-keys",
			description = "With --table: also create the restored tables' foreign keys to tables that are not "
					+ "restored (the live ones); a row that violates one fails the whole restore.")
	boolean withForeignKeys;

	@Option(names = "--where", paramLabel = "PREDICATE",
			description = "With --table: restore only the rows this predicate on the table's columns selects.")
	String where;

	@Option(names = "--into", paramLabel = "SCHEMA.TABLE",
			description = "With one --table: create the restored table under this name.")
	String into;

	@Option(names = "--into-existing",
			description = "With --table: merge the restored rows into the live table, in one transaction.")
	boolean intoExisting;

	@Option(names = "--conflict", paramLabel = "MODE", defaultValue = "fail",
			description = "With --into-existing: fail (default: stop if any restored row exists), skip (insert missing "
					+ "rows only), upsert (insert or update by primary key), replace (delete the live rows --where "
					+ "matches, or all, then insert). skip and upsert need a primary key.")
	String conflict;

	@Option(names = "--allow-dropped-columns",
			description = "With --into-existing: leave out backup columns the live table no longer has.")
	boolean allowDroppedColumns;

	@Option(names = "--disable-triggers",
			description = "With --into-existing: the live table's triggers do not fire during the merge "
					+ "(session_replication_role = replica; needs a superuser). By default they fire, as for "
					+ "any write, since the application may rely on them.")
	boolean disableTriggers;

	@Option(names = "--to-file", paramLabel = "FILE.csv|FILE.sql",
			description = "With --table: write the rows to a file instead of a database.")
	Path toFile;

	@Option(names = "--dry-run",
			description = "With --table: report chunks, bytes and rows to restore; the DDL runs in a transaction "
					+ "that is rolled back, and with --where the chunks are staged and counted; nothing is written.")
	boolean dryRun;

	@Option(names = "--sandbox", paramLabel = "KIND",
			description = "With --to-file, or --dry-run without --target: where rows are staged: auto, local or "
					+ "testcontainers.")
	String sandbox;

	@Option(names = "--target-user", paramLabel = "ROLE",
			description = "Role for the target; default: the source's username.")
	String targetUser;

	@Option(names = "--jobs", paramLabel = "N",
			description = "Parallel sessions; default: redoubt.restore.jobs or cores.")
	Integer jobs;

	@Option(names = "--allow-non-empty", description = "Restore into a database that already holds tables.")
	boolean allowNonEmpty;

	@Option(names = "--no-owner",
			description = "Restore neither ownership nor privileges (the source's roles need not exist).")
	boolean noOwner;

	@Option(names = "--mask", paramLabel = "POLICY",
			description = "Mask the rows on their way in with this policy file (a full or table restore, also to a file; "
					+ "docs/masking.md). " + "Strict unless the policy says strict: false.")
	Path maskPolicy;

	@Option(names = "--mask-key", paramLabel = "FILE",
			description = "The masking key: a file of at least 16 bytes of secret material (needed with --mask).")
	Path maskKey;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	private final Clock clock;

	/** The checkpoint {@code --as-of} named, or {@code null}. */
	private Checkpoint checkpoint;

	public RestoreCommand(Fleet fleet, Clock clock) {
		this.fleet = fleet;
		this.clock = clock;
	}

	@Override
	public Integer call() {
		RestoreRequest request = request();
		log.debug("restore command started");
		try (Repository repository = this.fleet.openRepository(this.source)) {
			RestoreEngine engine = new RestoreEngine(repository, this.clock)
				.withSandboxes(this.fleet.sandboxKind(this.source, this.sandbox), this.fleet.sandboxRoot())
				.withLogicalCopy(LogicalBackup.copy(this.clock, this.fleet.backupSettings(this.source)));
			return switch (request.kind()) {
				case CLUSTER -> printCluster(engine.recoverCluster(request));
				case TABLES -> {
					TableRestoreResult result = engine.restoreTables(request);
					compareSchemaVersions(request);
					yield printTables(result);
				}
				case FULL -> print(engine.restoreFull(request), request.target());
			};
		}
	}

	/**
	 * The options as one request: a whole cluster with --type physical, tables with
	 * --table or --schema, else a whole logical backup;
	 * {@link RestoreRequest.Builder#build} judges the combination.
	 */
	private RestoreRequest request() {
		boolean physical = this.pointInTime.physical();
		if (physical && this.pointInTime.asOf != null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--as-of is for a table (--table T --as-of TIME); the whole cluster: --type physical --to-time");
		}
		ConnectionSpec source = this.fleet.source(this.source);
		resolveCheckpoint();
		ConnectionSpec targetSpec = Output.target(source, this.target, this.targetUser);
		RestoreRequest.Builder builder = physical ? RestoreRequest.cluster(this.source)
				: (!this.tables.isEmpty() || !this.schemas.isEmpty()) ? RestoreRequest.tables(this.source)
						: RestoreRequest.full(this.source);
		return builder.backup(this.backup)
			.pointInTime((physical || this.pointInTime.anyTarget()) ? this.pointInTime.target() : null)
			.dataDirectory(this.pointInTime.dataDirectory)
			.target(targetSpec)
			.sourceDatabase(source)
			.tables(this.tables.stream().map(QualifiedName::parse).toList())
			.schemas(this.schemas)
			.where(this.where)
			.into(this.into)
			.toFile(this.toFile)
			.dryRun(this.dryRun)
			.intoExisting(this.intoExisting ? ConflictMode.parse(this.conflict) : null)
			.allowDroppedColumns(this.allowDroppedColumns)
			.disableTriggers(this.disableTriggers)
			.withForeignKeys(this.withForeignKeys)
			.allowNonEmpty(this.allowNonEmpty)
			.noOwner(this.noOwner)
			.jobs(this.fleet.restoreJobs(this.jobs))
			.mask(masking())
			.build();
	}

	/**
	 * {@code --as-of NAME} with a checkpoint's name: a recovery to its restore point's
	 * position (the base backup chosen by it, which a name alone cannot give).
	 */
	private void resolveCheckpoint() {
		String asOf = this.pointInTime.asOf;
		if (asOf == null || !Checkpoints.isName(asOf)) {
			return;
		}
		try (Repository repository = this.fleet.openRepository(this.source)) {
			this.checkpoint = Checkpoints.find(repository, this.source, asOf)
				.orElseThrow(() -> new RedoubtException(ErrorCode.INVALID_SELECTION, "--as-of '" + asOf
						+ "' is neither a time nor a checkpoint of source " + this.source + " (checkpoints: "
						+ Checkpoints.list(repository, this.source).stream().map(Checkpoint::name).toList() + ")",
						"a time is written 2026-12-02T14:31:00Z; redoubt checkpoint --name creates checkpoints", null));
		}
		this.pointInTime.asOf = null;
		this.pointInTime.toLsn = this.checkpoint.lsn();
		log.info("--as-of {}: the checkpoint's restore point at {} ({}), schema version {}", asOf,
				this.checkpoint.lsn(), this.checkpoint.createdAt(), this.checkpoint.describeVersion());
	}

	/**
	 * A table restored as of a checkpoint into a database whose schema has moved on says
	 * so, naming both versions.
	 */
	private void compareSchemaVersions(RestoreRequest request) {
		// a restore as of a point in time without --target lands beside the live table
		ConnectionSpec database = (request.target() != null) ? request.target() : request.sourceDatabase();
		if (this.checkpoint == null || database == null || this.toFile != null || this.dryRun) {
			return;
		}
		BackupSettings settings = this.fleet.backupSettings(this.source);
		try (java.sql.Connection target = database.open("redoubt restore")) {
			Manifest.SchemaVersion now = SchemaVersionReader.read(target, settings.migrationsTable(),
					settings.migrationsColumn());
			if (!java.util.Objects.equals(now, this.checkpoint.schemaVersion())) {
				String note = "checkpoint " + this.checkpoint.name() + " was taken at schema version "
						+ this.checkpoint.describeVersion() + "; database " + database.database()
						+ " is at schema version " + Checkpoint.describe(now)
						+ ": the table came back as it was then, its columns those of then";
				log.warn(note);
				this.spec.commandLine().getErr().println("redoubt: note: " + note);
			}
		}
		catch (java.sql.SQLException ex) {
			log.warn("cannot read the schema version of database {}: {}", database.database(), ex.getMessage());
		}
	}

	private Masking masking() {
		if (this.maskPolicy == null) {
			if (this.maskKey != null) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--mask-key applies with --mask POLICY");
			}
			return null;
		}
		if (this.maskKey == null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--mask needs --mask-key FILE: the key that makes the masking deterministic");
		}
		return Masking.read(this.maskPolicy, this.maskKey);
	}

	private int printCluster(PointInTimeRecovery.Result result) {
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", this.source);
			document.put("baseBackupId", result.backupId());
			document.put("target", result.target().toString());
			document.put("dataDirectory", result.dataDirectory().toString());
			document.put("timeline", result.timeline());
			document.put("walFiles", result.walFiles());
			document.put("stoppedAt", result.stoppedAt());
			document.put("unpackMs", result.unpackTime().toMillis());
			document.put("replayMs", result.replayTime().toMillis());
			Output.printJson(out, document);
			return 0;
		}
		out.printf(
				"recovered source %s to %s into %s from base backup %s: %s unpacked in %.1f s, %d WAL files "
						+ "replayed in %.1f s, now on timeline %d%n",
				this.source, result.target(), result.dataDirectory(), result.backupId(),
				Output.bytes(result.tarBytes()), result.unpackTime().toMillis() / 1000.0, result.walFiles(),
				result.replayTime().toMillis() / 1000.0, result.timeline());
		result.stoppedAt().forEach((line) -> out.printf("  %s%n", line));
		out.printf("the cluster is stopped and keeps the backup's configuration (port, archive_command, ...): "
				+ "review it, then pg_ctl -D %s start%n", result.dataDirectory());
		out.flush();
		return 0;
	}

	private int printTables(TableRestoreResult result) {
		AsOfRecovery recovery = result.recovery();
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", this.source);
			document.put("backupId", result.backupId());
			document.put("destination", result.destination());
			document.put("dryRun", this.dryRun);
			document.put("tables", result.tables());
			document.put("durationMs", result.duration().toMillis());
			if (recovery != null) {
				document.put("recovery", recovery);
			}
			Output.printJson(out, document);
			return 0;
		}
		if (recovery != null) {
			out.printf(
					"recovered base backup %s as of %s: %s; fetched %s (%s of %s tar unpacked, %d files zero-filled), "
							+ "%d WAL segments replayed; %s on disk; unpack %.1f s, replay %.1f s, copy %.1f s%s%n",
					recovery.baseBackupId(), this.pointInTime.target(), recovery.files(),
					Output.bytes(recovery.fetchedBytes()), Output.bytes(recovery.tarBytes()),
					Output.bytes(recovery.tarBytes() + recovery.leftOutBytes()), recovery.leftOutFiles(),
					recovery.walSegments(), Output.bytes(recovery.diskBytes()), recovery.unpackMs() / 1000.0,
					recovery.replayMs() / 1000.0, recovery.copyMs() / 1000.0,
					recovery.recoveredTwice() ? " (recovered twice: a table uses a file the first one left out)" : "");
		}
		out.printf("%s from backup %s of source %s into %s in %.1f s%n", this.dryRun ? "plan" : "restored",
				result.backupId(), this.source, result.destination(), result.duration().toMillis() / 1000.0);
		for (TableRestoreResult.Table table : result.tables()) {
			out.printf("  %s -> %s: %d of %d rows selected; fetched %d of %d chunks (%s of %s)%n", table.source(),
					(table.restoredAs() != null) ? table.restoredAs() : "(not written)", table.rowsSelected(),
					table.rowsInBackup(), table.chunksFetched(), table.chunksTotal(),
					Output.bytes(table.bytesFetched()), Output.bytes(table.bytesTotal()));
			if (!table.maskedColumns().isEmpty()) {
				out.printf("    masked: %s%n", String.join(", ", table.maskedColumns()));
			}
			if (table.merge() != null) {
				TableRestoreResult.Merge merge = table.merge();
				out.printf("    --conflict %s: %d inserted, %d updated, %d unchanged, %d deleted%s%n", merge.conflict(),
						merge.inserted(), merge.updated(), merge.unchanged(), merge.deleted(),
						merge.droppedColumns().isEmpty() ? ""
								: "; columns dropped since the backup, left out: " + merge.droppedColumns());
			}
			for (String key : table.foreignKeysNotCreated()) {
				out.printf(
						"    foreign key not created (it references a table not restored; --with-foreign-keys): %s%n",
						key.replace('\n', ' '));
			}
			for (String trigger : table.triggersNotCreated()) {
				out.printf("    trigger not created on the copy: %s%n", trigger.replace('\n', ' '));
			}
		}
		out.flush();
		return 0;
	}

	private int print(RestoreResult result, ConnectionSpec targetSpec) {
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", this.source);
			document.put("backupId", result.backupId());
			document.put("targetDatabase", targetSpec.database());
			document.put("tables", result.tables());
			document.put("rows", result.rows());
			document.put("chunks", result.chunks());
			document.put("storedBytes", result.storedBytes());
			Map<String, Object> phases = new LinkedHashMap<>();
			phases.put("preDataMs", result.preData().toMillis());
			phases.put("dataMs", result.data().toMillis());
			phases.put("postDataMs", result.postData().toMillis());
			document.put("phases", phases);
			document.put("durationMs", result.total().toMillis());
			Output.printJson(out, document);
			return 0;
		}
		out.printf(
				"restored backup %s of source %s into database %s: %d tables, %d rows, %d chunks in %.1f s"
						+ " (schema %.1f s, data %.1f s, indexes and constraints %.1f s)%n",
				result.backupId(), this.source, targetSpec.database(), result.tables(), result.rows(), result.chunks(),
				result.total().toMillis() / 1000.0, result.preData().toMillis() / 1000.0,
				result.data().toMillis() / 1000.0, result.postData().toMillis() / 1000.0);
		out.flush();
		return 0;
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
