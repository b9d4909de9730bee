package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.service.verify.VerifyLauncher;
import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.report.JsonReport;
import dev.redoubt.verify.report.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code redoubt verify}: prove a backup by restoring it into a throwaway PostgreSQL. */
@Command(name = "verify", mixinStandardHelpOptions = true,
		description = {
				"Prove a backup: restore one region's copy into a throwaway PostgreSQL of the backup's major "
						+ "version and check manifest, chunks, schema, row counts, content hashes, sequences, indexes "
						+ "(amcheck), constraints, smoke queries and schema version.",
				"The result is stored, signed, beside the backup in every region and shown by info." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class VerifyCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source the backup belongs to.")
	String source;

	@Option(names = "--backup", required = true, paramLabel = "ID|latest", description = "Backup id, or latest.")
	String backup;

	@Option(names = "--region", paramLabel = "NAME",
			description = "Region whose copy to prove; default: the first configured.")
	String region;

	@Option(names = "--report", paramLabel = "DIR",
			description = "Write verification.json, verification.html and verification-junit.xml here.")
	Path report;

	@Option(names = "--sandbox", paramLabel = "KIND",
			description = "auto, local or testcontainers (also: container), for a logical or a base backup; "
					+ "default: the source's verify.sandbox, else auto.")
	String sandbox;

	@Option(names = "--jobs", paramLabel = "N",
			description = "Parallel sessions; default: redoubt.verification.jobs or cores.")
	Integer jobs;

	@Option(names = "--type", paramLabel = "TYPE", defaultValue = "logical",
			description = "logical (default) or base: unpack a base backup, replay the WAL it needs from that "
					+ "region's archive to consistency, then check indexes (amcheck) and constraints in every "
					+ "database and the smoke queries.")
	String type;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final VerifyLauncher launcher;

	private final dev.redoubt.service.config.Fleet fleet;

	private final java.time.Clock clock;

	public VerifyCommand(VerifyLauncher launcher, dev.redoubt.service.config.Fleet fleet, java.time.Clock clock) {
		this.launcher = launcher;
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
		VerificationReport result;
		if ("base".equals(this.type)) {
			result = verifyBase();
		}
		else if ("logical".equals(this.type)) {
			result = this.launcher.verify(this.source, this.backup, this.region, this.sandbox, this.jobs);
		}
		else {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--type must be logical or base, not '" + this.type + "'");
		}
		List<Path> written = (this.report != null) ? ReportWriter.write(result, this.report) : List.of();
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Output.printJson(out, JsonReport.toMap(result));
		}
		else {
			print(out, result, written);
		}
		return result.verified() ? 0 : ErrorCode.VERIFICATION_FAILED.exitCode();
	}

	private VerificationReport verifyBase() {
		dev.redoubt.verify.check.VerifySettings settings = this.fleet.verifySettings(this.source, this.jobs);
		try (dev.redoubt.core.repository.Repository repository = this.fleet.openRepository(this.source)) {
			String area = dev.redoubt.core.manifest.BaseBackupManifest.area(this.source);
			BackupId id = repository.resolve(area, this.backup);
			return new dev.redoubt.verify.BaseBackupVerifier(repository, this.clock,
					this.fleet.sandboxKind(this.source, this.sandbox), this.fleet.sandboxRoot())
				.verify(this.source, id, this.region, settings);
		}
	}

	private void print(PrintWriter out, VerificationReport result, List<Path> written) {
		out.printf("backup %s of source %s, region %s: %s%n", result.backupId(), result.source(), result.region(),
				result.verified() ? "VERIFIED" : "VERIFICATION FAILED");
		int number = 1;
		for (CheckResult check : result.checks()) {
			out.printf("  %2d %-7s %-15s %s%n", number++, check.status().label(), check.id(), check.detail());
		}
		if (result.restoreDuration() != null) {
			out.printf("restore %.1f s (sandbox: %s, PostgreSQL %s), verification %.1f s in all%n",
					result.restoreDuration().toMillis() / 1000.0, result.sandboxKind(), result.serverVersion(),
					result.total().toMillis() / 1000.0);
		}
		written.forEach((file) -> out.printf("report: %s%n", file));
		out.flush();
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
