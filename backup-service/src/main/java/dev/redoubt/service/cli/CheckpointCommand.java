package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.service.checkpoint.Checkpoint;
import dev.redoubt.service.checkpoint.Checkpoints;
import dev.redoubt.service.config.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code redoubt checkpoint --source S --name NAME}: a named safety point before a
 * migration.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
		description = { "Create a named safety point on the source before a migration: a restore point, a WAL "
				+ "switch, and a return only once that WAL is in every region; recorded with the schema version "
				+ "(Flyway, Liquibase, Rails or the configured migrations table).",
				"Then: restore --table T --as-of NAME (the table as it was), restore --type physical --to-name NAME "
						+ "(the cluster); info lists the checkpoints." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class CheckpointCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source to mark.")
	String source;

	@Option(names = "--name", required = true, paramLabel = "NAME",
			description = "The checkpoint's name: a letter, then letters, digits, '.', '_' or '-' (before-release-42).")
	String name;

	@Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
			description = "How long to wait for the WAL archive (default ${DEFAULT-VALUE}).")
	String timeout;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	public CheckpointCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public Integer call() {
		this.fleet.requireSource(this.source);
		Checkpoints.requireName(this.name);
		BackupSettings settings = this.fleet.backupSettings(this.source);
		try (Repository repository = this.fleet.openRepository(this.source)) {
			Checkpoint checkpoint = Checkpoints.take(repository, this.source, this.fleet.source(this.source), this.name,
					settings.migrationsTable(), settings.migrationsColumn(),
					Output.duration("--timeout", this.timeout));
			PrintWriter out = this.spec.commandLine().getOut();
			if (json()) {
				Output.printJson(out, describe(checkpoint));
			}
			else {
				out.printf(
						"checkpoint %s of source %s at %s: restore point %s in %s, archived in every region; "
								+ "schema version %s%n",
						checkpoint.name(), checkpoint.source(), checkpoint.createdAt(), checkpoint.lsn(),
						checkpoint.segment(), checkpoint.describeVersion());
				out.flush();
			}
			return 0;
		}
	}

	static Map<String, Object> describe(Checkpoint checkpoint) {
		Map<String, Object> document = new LinkedHashMap<>();
		document.put("name", checkpoint.name());
		document.put("source", checkpoint.source());
		document.put("createdAt", checkpoint.createdAt().toString());
		document.put("lsn", checkpoint.lsn());
		document.put("segment", checkpoint.segment());
		document.put("database", checkpoint.database());
		document.put("schemaVersion", checkpoint.schemaVersion());
		return document;
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
