package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreResult;
import dev.redoubt.service.config.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code redoubt restore}: a full restore of a backup into an empty database. */
@Command(name = "restore", mixinStandardHelpOptions = true,
		description = {
				"Restore a backup into an empty database: schema, rows (chunks fetched from the first healthy "
						+ "region, every hash verified), then indexes, constraints, triggers, sequences.",
				"The target database must exist and be empty; the target's password is read from PGPASSWORD." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class RestoreCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source the backup belongs to.")
	String source;

	@Option(names = "--backup", required = true, paramLabel = "ID|latest", description = "Backup id, or latest.")
	String backup;

	@Option(names = "--target", required = true, paramLabel = "JDBC_URL",
			description = "Target database, jdbc:postgresql://host:port/database.")
	String target;

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

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	private final Clock clock;

	public RestoreCommand(Fleet fleet, Clock clock) {
		this.fleet = fleet;
		this.clock = clock;
	}

	@Override
	public Integer call() {
		if (!"latest".equals(this.backup)) {
			BackupId.parse(this.backup);
		}
		if (this.jobs != null && this.jobs < 1) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--jobs must be at least 1, not " + this.jobs);
		}
		ConnectionSpec source = this.fleet.source(this.source);
		String password = System.getenv("PGPASSWORD");
		ConnectionSpec targetSpec = new ConnectionSpec(this.target,
				(this.targetUser != null) ? this.targetUser : source.username(),
				(password != null) ? Secret.of(password) : source.password());
		RestoreResult result;
		try (Repository repository = this.fleet.openRepository()) {
			BackupId id = repository.resolve(this.source, this.backup);
			result = new RestoreEngine(repository, this.clock).restoreFull(this.source, id, targetSpec,
					this.fleet.restoreOptions(this.jobs, this.allowNonEmpty, this.noOwner));
		}
		print(result, targetSpec);
		return 0;
	}

	private void print(RestoreResult result, ConnectionSpec targetSpec) {
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
			return;
		}
		out.printf(
				"restored backup %s of source %s into database %s: %d tables, %d rows, %d chunks in %.1f s"
						+ " (schema %.1f s, data %.1f s, indexes and constraints %.1f s)%n",
				result.backupId(), this.source, targetSpec.database(), result.tables(), result.rows(), result.chunks(),
				result.total().toMillis() / 1000.0, result.preData().toMillis() / 1000.0,
				result.data().toMillis() / 1000.0, result.postData().toMillis() / 1000.0);
		out.flush();
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
