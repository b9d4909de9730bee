package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.service.backup.BackupResult;
import dev.redoubt.service.job.BackupLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code redoubt backup --source NAME}: a logical backup to every region. */
@Command(name = "backup", mixinStandardHelpOptions = true,
		description = "Take a consistent logical backup of a source to every configured region.",
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class BackupCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source to back up.")
	String source;

	@Option(names = "--type", paramLabel = "TYPE", defaultValue = "logical",
			description = "logical (default: pg_dump schema and COPY chunks of one database) or base "
					+ "(pg_basebackup of the whole cluster, for point-in-time recovery with the WAL archive).")
	String type;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final BackupLauncher launcher;

	public BackupCommand(BackupLauncher launcher) {
		this.launcher = launcher;
	}

	@Override
	public Integer call() {
		if (!"logical".equals(this.type) && !"base".equals(this.type)) {
			throw new picocli.CommandLine.ParameterException(this.spec.commandLine(),
					"--type must be logical or base, not '" + this.type + "'");
		}
		boolean base = "base".equals(this.type);
		BackupResult result = this.launcher.backup(this.source, base);
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", this.source);
			document.put("backupId", result.backupId());
			if (base) {
				// the logical output stays as documented; a base backup says what it is
				document.put("type", "base");
			}
			document.put("tables", result.tables());
			document.put("rows", result.rows());
			document.put("chunks", result.chunks());
			document.put("plainBytes", result.plainBytes());
			document.put("storedBytes", result.storedBytes());
			document.put("uploadedBytes", result.uploadedBytes());
			document.put("durationMs", result.duration().toMillis());
			Output.printJson(out, document);
		}
		else if (base) {
			out.printf("base backup %s of source %s complete: %s in %d chunks, %s stored per region in %.1f s%n",
					result.backupId(), this.source, Output.bytes(result.plainBytes()), result.chunks(),
					Output.bytes(result.storedBytes()), result.duration().toMillis() / 1000.0);
			out.flush();
		}
		else {
			out.printf(
					"backup %s of source %s complete: %d tables, %d rows, %d chunks, %s stored per region (%s plain, %s "
							+ "uploaded) in %.1f s%n",
					result.backupId(), this.source, result.tables(), result.rows(), result.chunks(),
					Output.bytes(result.storedBytes()), Output.bytes(result.plainBytes()),
					Output.bytes(result.uploadedBytes()), result.duration().toMillis() / 1000.0);
			out.flush();
		}
		return 0;
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
