package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.retention.Retention;
import dev.redoubt.service.retention.RetentionReport;
import dev.redoubt.service.retention.SharedChunkSweep;

/** {@code redoubt expire}: applies a source's retention policy. */
@Command(name = "expire", mixinStandardHelpOptions = true,
		description = { "Deletes the backups of a source that its retention policy no longer keeps, the leftovers "
				+ "of backups that never completed (once older than the grace period) and WAL that no kept base "
				+ "backup needs. Always keeps the newest verified backup; deletes nothing if any region cannot "
				+ "be listed or any manifest read; never deletes an object Object Lock protects." })
public class ExpireCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source to expire.")
	String source;

	@Option(names = "--dry-run", description = "Show what would be deleted; delete nothing.")
	boolean dryRun;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	private final Clock clock;

	public ExpireCommand(Fleet fleet, Clock clock) {
		this.fleet = fleet;
		this.clock = clock;
	}

	@Override
	public Integer call() {
		this.fleet.requireSource(this.source);
		RetentionReport report;
		try (Repository repository = this.fleet.openRepository(this.source)) {
			report = new Retention(repository, this.clock, this.fleet.retentionGrace(this.source)).run(this.source,
					this.fleet.retentionPolicy(this.source), this.dryRun);
		}
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", report.source());
			document.put("dryRun", report.dryRun());
			document.put("kept", report.kept());
			document.put("expired", report.expired());
			document.put("leftovers", report.leftovers());
			document.put("inFlight", report.inFlight());
			document.put("locked", report.lockedBackups());
			document.put("walSegments", report.walSegments().size());
			document.put("deletedObjects", report.deletedObjects());
			document.put("lockedObjects", report.lockedObjects());
			document.put("lockedUntil", (report.lockedUntil() != null) ? report.lockedUntil().toString() : null);
			document.put("sharedChunks", report.sharedChunks());
			Output.printJson(out, document);
		}
		else {
			String verb = report.dryRun() ? "would delete" : "deleted";
			out.printf("source %s: keeping %d backup(s)%n", report.source(), report.kept().size());
			report.kept().forEach((id, reasons) -> out.printf("  keep   %s  %s%n", id, String.join(", ", reasons)));
			report.expired().forEach((id) -> out.printf("  expire %s%n", id));
			report.lockedBackups().forEach((id) -> out.printf("  locked %s  (Object Lock: kept)%n", id));
			report.inFlight()
				.forEach((id) -> out.printf(
						"  in flight %s  (its writer holds the lease, or younger than the grace period: kept)%n", id));
			out.printf("%s %d object(s): %d expired backup(s), %d leftover(s), %d WAL segment(s)%s%n", verb,
					report.deletedObjects(), report.expired().size(), report.leftovers().size(),
					report.walSegments().size(), (report.lockedObjects() > 0) ? "; " + report.lockedObjects()
							+ " object(s) under Object Lock left until " + report.lockedUntil() : "");
			SharedChunkSweep.Result shared = report.sharedChunks();
			if (shared.skipped() != null) {
				out.printf("shared chunks not swept (nothing deleted; the next run sweeps): %s%n", shared.skipped());
			}
			else if (shared.chunks() > 0) {
				out.printf(
						"shared chunks: %d, %d referenced, %d unreferenced but younger than the grace period; %s %d "
								+ "(%s)%n",
						shared.chunks(), shared.referenced(), shared.young(), verb, shared.swept(),
						Output.bytes(shared.sweptBytes()));
			}
		}
		out.flush();
		return 0;
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
