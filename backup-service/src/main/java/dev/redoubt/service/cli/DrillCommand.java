package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.verify.drill.Drill;
import dev.redoubt.verify.drill.DrillHistory;
import dev.redoubt.verify.drill.DrillPlan;
import dev.redoubt.verify.drill.DrillReport;
import dev.redoubt.verify.drill.DrillRequest;
import dev.redoubt.verify.report.DrillReports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code redoubt drill}: a DR drill. Declares a region lost, recovers the source from the
 * other regions alone into a throwaway PostgreSQL, checks it, measures RTO and RPO
 * against their targets, and stores a signed record in every surviving region.
 */
@Command(name = "drill", mixinStandardHelpOptions = true, subcommands = DrillCommand.History.class,
		description = { "DR drill: declare a region lost, recover the source from the surviving regions alone "
				+ "into a throwaway PostgreSQL, check it, and measure RTO (to a usable database) and RPO (the data "
				+ "lost) against their targets.",
				"Verdict PASS (exit 0), FAIL (exit 33, each reason named) or COULD NOT RUN (exit 34: the "
						+ "environment failed, nothing is known about the backups)." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class DrillCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", paramLabel = "NAME", description = "Source to drill (required).")
	String source;

	@Option(names = "--type", paramLabel = "TYPE", defaultValue = "physical",
			description = "physical (default: the newest base backup and every archived WAL segment to the newest "
					+ "recoverable point) or logical (the newest logical backup).")
	String type;

	@Option(names = "--lose-region", paramLabel = "NAME",
			description = "The region declared lost; nothing is read from it. Default: the first configured.")
	String loseRegion;

	@Option(names = "--to", paramLabel = "latest|TIME", defaultValue = "latest",
			description = "Physical drills: recover to the newest recoverable point (default) or to this time.")
	String to;

	@Option(names = "--rto", paramLabel = "DURATION",
			description = "Recovery time target (90s, 15m, 1h): the drill fails if the database is usable later.")
	String rto;

	@Option(names = "--rpo", paramLabel = "DURATION",
			description = "Data loss target (90s, 15m, 1h): the drill fails if the newest commit recovered is older.")
	String rpo;

	@Option(names = "--report", paramLabel = "DIR",
			description = "Write drill.json, drill.html, drill-junit.xml and drill.txt here.")
	Path report;

	@Option(names = "--keep-on-failure", paramLabel = "DURATION", arity = "0..1", fallbackValue = "1h",
			description = "Keep a failed physical drill's sandbox this long (default 1h) for inspection; "
					+ "the next drill or verification after that removes it.")
	String keepOnFailure;

	@Option(names = "--canary",
			description = "Physical drills: write a row to public.redoubt_drill_canary on the source just before T "
					+ "(and wait until its WAL is archived) and one just after, and prove that the recovered "
					+ "database holds the first and not the second.")
	boolean canary;

	@Option(names = "--plan",
			description = "Restore nothing: show what a physical drill would recover from the surviving regions, "
					+ "and its projected RTO at the throughput past passing drills of the source measured.")
	boolean plan;

	@Option(names = "--sandbox", paramLabel = "KIND",
			description = "auto, local or container; default: the source's verify.sandbox, else auto.")
	String sandbox;

	@Option(names = "--jobs", paramLabel = "N", description = "Parallel fetches and sessions.")
	Integer jobs;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	private final Clock clock;

	public DrillCommand(Fleet fleet, Clock clock) {
		this.fleet = fleet;
		this.clock = clock;
	}

	@Override
	public Integer call() {
		if (this.source == null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--source is required");
		}
		if (this.jobs != null && this.jobs < 1) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--jobs must be at least 1, not " + this.jobs);
		}
		DrillRequest.Type drillType = DrillRequest.Type.parse(this.type);
		RecoveryTarget target = "latest".equals(this.to) ? RecoveryTarget.latest() : RecoveryTarget.time(this.to);
		if (drillType == DrillRequest.Type.LOGICAL && target.kind() != RecoveryTarget.Kind.LATEST) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--to applies to physical drills; a logical drill recovers the newest logical backup");
		}
		if (this.canary && drillType != DrillRequest.Type.PHYSICAL) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"--canary applies to physical drills: a logical backup holds nothing written after it");
		}
		DrillRequest request = new DrillRequest(this.source, drillType, this.loseRegion, target,
				Output.duration("--rto", this.rto), Output.duration("--rpo", this.rpo),
				this.fleet.sandboxKind(this.source, this.sandbox), this.fleet.sandboxRoot(),
				this.fleet.verifySettings(this.source, this.jobs), this.fleet.source(this.source),
				Output.duration("--keep-on-failure", this.keepOnFailure), this.canary);
		if (this.plan) {
			return plan(request);
		}
		Drill.Run run;
		List<DrillReport> history;
		try (Repository repository = this.fleet.openRepository(this.source)) {
			run = new Drill(repository, this.clock).run(request);
			history = (this.report != null) ? DrillHistory.read(repository, this.source) : List.of();
		}
		List<Path> written = (this.report != null) ? DrillReports.write(run.report(), history, this.report) : List.of();
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			out.print(DrillReports.json(run.report()));
		}
		else {
			print(out, run, written);
		}
		out.flush();
		return run.report().verdict().exitCode();
	}

	private int plan(DrillRequest request) {
		if (request.type() != DrillRequest.Type.PHYSICAL) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--plan projects physical drills");
		}
		DrillPlan plan;
		try (Repository repository = this.fleet.openRepository(this.source)) {
			String lost = (this.loseRegion != null) ? this.loseRegion : repository.store().regions().get(0).name();
			try (Repository surviving = repository.withoutRegion(lost)) {
				plan = DrillPlan.of(surviving, request, lost, DrillHistory.read(repository, this.source));
			}
		}
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Output.printJson(out, plan);
		}
		else {
			out.printf("drill plan of %s with region %s lost: base backup %s (ended %s, %s) and %d WAL segment(s)%n",
					plan.source(), plan.lostRegion(), plan.backupId(), plan.backupEndedAt(),
					Output.bytes(plan.backupBytes()), plan.walSegments());
			if (plan.projectedRtoSeconds() == null) {
				out.println("projected RTO: unknown: no passing physical drill of this source has measured the "
						+ "throughput yet (run redoubt drill once)");
			}
			else {
				for (DrillReport.Phase phase : plan.phases()) {
					out.printf("  phase %-30s %8.1f s%n", phase.name(), phase.seconds());
				}
				out.printf("projected RTO %.1f s from %d past drill(s)%s%n", plan.projectedRtoSeconds(),
						plan.drillsMeasured(),
						(plan.rtoTargetSeconds() == null) ? ""
								: String.format(java.util.Locale.ROOT, " (target %.1f s: %s)", plan.rtoTargetSeconds(),
										Boolean.TRUE.equals(plan.withinTarget()) ? "met" : "MISSED"));
			}
		}
		out.flush();
		return 0;
	}

	private static void print(PrintWriter out, Drill.Run run, List<Path> written) {
		DrillReport report = run.report();
		out.printf("drill of %s (%s): region %s lost at %s, recovered from %s: %s%n", report.source(), report.type(),
				report.lostRegion(), report.disasterAt(), String.join(", ", report.survivingRegions()),
				report.verdict().label());
		report.reasons().forEach((reason) -> out.printf("  - %s%n", reason));
		out.printf("  RTO %s%n  RPO %s%n", describe(report.rto()), describe(report.rpo()));
		for (DrillReport.Phase phase : report.phases()) {
			out.printf("  phase %-30s %8.2f s%n", phase.name(), phase.seconds());
		}
		if (report.recovered() != null) {
			DrillReport.Recovered r = report.recovered();
			out.printf("  recovered backup %s%s%s%n", r.backupId(),
					(r.walFiles() != null) ? " and " + r.walFiles() + " WAL file(s)" : "",
					(r.newestCommit() != null) ? ", newest commit " + r.newestCommit() : "");
		}
		for (DrillReport.Check check : report.checks()) {
			out.printf("  %-7s %-15s %s%n", check.status(), check.id(), check.detail());
		}
		if (report.keptSandbox() != null) {
			out.printf("sandbox kept for inspection: %s%n", report.keptSandbox());
		}
		out.printf("record: %s%n",
				(run.recordKey() != null) ? run.recordKey() : "not stored (" + run.recordProblem() + ")");
		written.forEach((file) -> out.printf("report: %s%n", file));
	}

	private static String describe(DrillReport.Measure measure) {
		if (measure.seconds() == null) {
			return "not measured";
		}
		String text = String.format(java.util.Locale.ROOT, "%.1f s", measure.seconds());
		if (measure.targetSeconds() != null) {
			text += String.format(java.util.Locale.ROOT, " (target %.1f s: %s)", measure.targetSeconds(),
					Boolean.TRUE.equals(measure.met()) ? "met" : "MISSED");
		}
		return (measure.basis() != null) ? text + "; " + measure.basis() : text;
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

	/** {@code redoubt drill history}: past drills of a source, from the repository. */
	@Command(name = "history", mixinStandardHelpOptions = true,
			description = "Past drills of a source, oldest first, from the signed records in every region.")
	public static class History implements Callable<Integer>, JsonOutput {

		@Option(names = "--source", paramLabel = "NAME",
				description = "Source; without it, the fleet report: the newest drill of every source.")
		String source;

		@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
		OutputFormat output;

		@Spec
		CommandSpec spec;

		private final Fleet fleet;

		public History(Fleet fleet) {
			this.fleet = fleet;
		}

		@Override
		public Integer call() {
			PrintWriter out = this.spec.commandLine().getOut();
			if (this.source == null) {
				return fleet(out);
			}
			List<DrillReport> drills;
			try (Repository repository = this.fleet.openRepository(this.source)) {
				drills = DrillHistory.read(repository, this.source);
			}
			if (json()) {
				Output.printJson(out,
						Map.of("source", this.source, "drills", drills.stream().map(History::row).toList()));
			}
			else {
				out.printf("%d drill(s) of %s%n", drills.size(), this.source);
				for (DrillReport drill : drills) {
					out.printf("  %s  %-8s lost %-8s %-13s RTO %-10s RPO %-10s %s%n", drill.disasterAt(), drill.type(),
							drill.lostRegion(), drill.verdict().label(), seconds(drill.rto()), seconds(drill.rpo()),
							String.join("; ", drill.reasons()));
				}
			}
			out.flush();
			return 0;
		}

		/**
		 * The fleet report: each configured source's newest drill and whether it met its
		 * targets; a source never drilled says so. Exit 0 only if every source's newest
		 * drill passed.
		 */
		private int fleet(PrintWriter out) {
			List<Map<String, Object>> rows = new ArrayList<>();
			int passing = 0;
			for (String name : this.fleet.sources().keySet()) {
				java.util.Optional<DrillReport> newest;
				try (Repository repository = this.fleet.openRepository(name)) {
					newest = DrillHistory.newest(repository, name);
				}
				Map<String, Object> row = newest.map(History::row).orElseGet(LinkedHashMap::new);
				row.put("source", name);
				row.putIfAbsent("verdict", "NEVER_DRILLED");
				passing += "PASS".equals(row.get("verdict")) ? 1 : 0;
				rows.add(row);
			}
			if (json()) {
				Output.printJson(out, Map.of("sources", rows, "passing", passing, "total", rows.size()));
			}
			else {
				out.printf("%d of %d source(s) passed their newest DR drill%n", passing, rows.size());
				for (Map<String, Object> row : rows) {
					out.printf("  %-24s %-14s %s%n", row.get("source"), row.get("verdict"),
							row.containsKey("disasterAt") ? row.get("disasterAt") + ", RTO " + row.get("rtoSeconds")
									+ " s (met: " + row.get("rtoMet") + "), RPO " + row.get("rpoSeconds") + " s (met: "
									+ row.get("rpoMet") + ")" : "never drilled");
				}
			}
			out.flush();
			return (passing == rows.size()) ? 0 : ErrorCode.DRILL_FAILED.exitCode();
		}

		private static Map<String, Object> row(DrillReport drill) {
			Map<String, Object> row = new LinkedHashMap<>();
			row.put("disasterAt", drill.disasterAt().toString());
			row.put("type", drill.type());
			row.put("verdict", drill.verdict().name());
			row.put("lostRegion", drill.lostRegion());
			row.put("rtoSeconds", drill.rto().seconds());
			row.put("rtoMet", drill.rto().met());
			row.put("rpoSeconds", drill.rpo().seconds());
			row.put("rpoMet", drill.rpo().met());
			row.put("reasons", drill.reasons());
			return row;
		}

		private static String seconds(DrillReport.Measure measure) {
			return (measure.seconds() == null) ? "-" : String.format(java.util.Locale.ROOT, "%.1fs", measure.seconds());
		}

		@Override
		public boolean json() {
			return this.output == OutputFormat.json;
		}

	}

}
