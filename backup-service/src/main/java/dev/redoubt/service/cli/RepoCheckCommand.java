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
import dev.redoubt.verify.repocheck.WalContinuity;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.restore.physical.BaseBackups;
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
				"Read every object of every complete backup (logical and base) of a source in every region and verify "
						+ "it (signatures, sizes, SHA-256); list missing, corrupt and orphaned objects.",
				"Check the WAL archive's continuity per timeline: the window each base backup can be recovered to, "
						+ "and any gap (a missing segment with later ones archived).",
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
		WalContinuity.Report wal;
		try (Repository repository = this.fleet.openRepository(this.source)) {
			RepositoryCheckReport logical = new RepositoryCheck(repository).run(this.source, this.region, this.repair);
			RepositoryCheckReport base = new RepositoryCheck(repository).run(BaseBackupManifest.area(this.source),
					this.region, this.repair);
			report = logical.plus(base);
			wal = walContinuity(repository);
		}
		java.util.List<Problem> problems = new java.util.ArrayList<>(report.problems());
		problems.addAll(wal.problems());
		boolean healthy = problems.stream().allMatch(Problem::repaired);
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", report.source());
			document.put("regions", report.regions());
			document.put("healthy", healthy);
			document.put("backups", report.backups());
			document.put("objects", report.objects());
			document.put("problems", problems);
			document.put("incomplete", report.incomplete());
			Map<String, Object> walDocument = new LinkedHashMap<>();
			walDocument.put("segments", wal.segments());
			walDocument.put("windows", wal.windows());
			walDocument.put("gaps", wal.gaps());
			document.put("wal", walDocument);
			Output.printJson(out, document);
		}
		else {
			out.printf("source %s, regions %s: %d backups, %d objects read and verified%n", report.source(),
					report.regions(), report.backups(), report.objects());
			if (wal.segments() > 0 || !wal.windows().isEmpty()) {
				out.printf("WAL archive: %d segments%n", wal.segments());
				wal.windows().forEach((line) -> out.printf("  %s%n", line));
				wal.gaps().forEach((line) -> out.printf("  GAP %s%n", line));
			}
			for (Problem problem : problems) {
				out.printf("  %-7s %-10s %s: %s%s%n", problem.kind(), problem.region(), problem.key(), problem.detail(),
						problem.repaired() ? " (repaired)" : "");
			}
			if (!report.incomplete().isEmpty()) {
				out.printf("  incomplete backups (no manifest; left alone): %s%n", report.incomplete());
			}
			out.println(
					problems.isEmpty() ? "clean"
							: healthy ? "repaired" : wal.gaps().isEmpty()
									? "DAMAGED: run with --repair to fix from a healthy region"
									: "DAMAGED: the WAL archive has a gap; point-in-time recovery cannot pass it");
			out.flush();
		}
		return healthy ? 0 : ErrorCode.REPOSITORY_DAMAGED.exitCode();
	}

	/**
	 * Continuity of the source's WAL from every base backup, timelines followed by their
	 * history files.
	 */
	private WalContinuity.Report walContinuity(Repository repository) {
		WalArchive archive = new WalArchive(repository, this.source);
		WalArchive.Listing listing = archive.list();
		Map<Integer, WalContinuity.Branch> branches = new java.util.TreeMap<>();
		for (String name : listing.names()) {
			if (WalNames.isHistory(name)) {
				archive.fetch(name)
					.ifPresent((bytes) -> branches.put(WalNames.timeline(name),
							WalContinuity.Branch.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8))));
			}
		}
		return WalContinuity.check(BaseBackups.list(repository, this.source), listing, branches);
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
