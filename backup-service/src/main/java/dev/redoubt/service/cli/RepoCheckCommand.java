package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.verify.repocheck.Problem;
import dev.redoubt.verify.repocheck.RepositoryCheck;
import dev.redoubt.verify.repocheck.RepositoryCheckReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code redoubt repo-check}: every object of every backup read and verified, in every
 * region.
 */
@Command(name = "repo-check", mixinStandardHelpOptions = true,
		description = {
				"Read every object of every complete backup of a source in every region and verify it "
						+ "(signatures, sizes, SHA-256); list missing, corrupt and orphaned objects.",
				"With --repair, rewrite a damaged or missing copy from a region whose copy verifies, and remove "
						+ "orphans (objects in a complete backup that its manifest does not name). "
						+ "Backups without a manifest (interrupted or running) are listed and left alone." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class RepoCheckCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source to check.")
	String source;

	@Option(names = "--region", paramLabel = "NAME", description = "Check only this region.")
	String region;

	@Option(names = "--repair", description = "Rewrite bad copies from a healthy region; remove orphans.")
	boolean repair;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	public RepoCheckCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public Integer call() {
		this.fleet.requireSource(this.source);
		RepositoryCheckReport report;
		try (Repository repository = this.fleet.openRepository()) {
			report = new RepositoryCheck(repository).run(this.source, this.region, this.repair);
		}
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", report.source());
			document.put("regions", report.regions());
			document.put("healthy", report.healthy());
			document.put("backups", report.backups());
			document.put("objects", report.objects());
			document.put("problems", report.problems());
			document.put("incomplete", report.incomplete());
			Output.printJson(out, document);
		}
		else {
			out.printf("source %s, regions %s: %d backups, %d objects read and verified%n", report.source(),
					report.regions(), report.backups(), report.objects());
			for (Problem problem : report.problems()) {
				out.printf("  %-7s %-10s %s: %s%s%n", problem.kind(), problem.region(), problem.key(), problem.detail(),
						problem.repaired() ? " (repaired)" : "");
			}
			if (!report.incomplete().isEmpty()) {
				out.printf("  incomplete backups (no manifest; left alone): %s%n", report.incomplete());
			}
			out.println(report.problems().isEmpty() ? "clean"
					: report.healthy() ? "repaired" : "DAMAGED: run with --repair to fix from a healthy region");
			out.flush();
		}
		return report.healthy() ? 0 : ErrorCode.REPOSITORY_DAMAGED.exitCode();
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
