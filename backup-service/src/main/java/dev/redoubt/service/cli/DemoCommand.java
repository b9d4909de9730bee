package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.RestoreResult;
import dev.redoubt.service.backup.BackupResult;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.demo.DemoEnvironment;
import dev.redoubt.service.job.BackupLauncher;
import dev.redoubt.verify.DatabaseFingerprint;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.verify.drill.Drill;
import dev.redoubt.verify.drill.DrillRequest;
import dev.redoubt.verify.report.DrillReports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code redoubt demo}: the whole round trip on embedded servers. Starts a throwaway
 * PostgreSQL with Pagila and a kitchen sink of table kinds, two S3 regions, backs the
 * database up through the backup job, restores it into a new database and compares every
 * table, sequence and large object, then runs a DR drill from the second region. Needs
 * PostgreSQL server binaries on the machine; nothing else.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
		description = "Back up and restore a sample database on embedded PostgreSQL and two embedded S3 regions, "
				+ "compare the restored copy with the original, then run a DR drill from the second region.",
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class DemoCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	private final BackupLauncher launcher;

	private final Clock clock;

	public DemoCommand(Fleet fleet, BackupLauncher launcher, Clock clock) {
		this.fleet = fleet;
		this.launcher = launcher;
		this.clock = clock;
	}

	@Override
	public Integer call() throws Exception {
		PrintWriter out = this.spec.commandLine().getOut();
		Path work = Files.createTempDirectory("redoubt-demo-");
		out.println("starting PostgreSQL and two S3 regions (eu-west, eu-central) in " + work + " ...");
		out.flush();
		try (DemoEnvironment demo = DemoEnvironment.start(work)) {
			this.fleet.configure(demo.properties());
			ConnectionSpec source = demo.cluster().connection(DemoEnvironment.SOURCE);
			out.printf("PostgreSQL on port %d holds database '%s' (Pagila and a kitchen sink of table kinds)%n",
					demo.cluster().port(), DemoEnvironment.SOURCE);
			out.flush();

			BackupResult backup = this.launcher.backup(DemoEnvironment.SOURCE);
			out.printf("backup %s: %d tables, %d rows, %d chunks, %s per region, in both regions, in %.1f s%n",
					backup.backupId(), backup.tables(), backup.rows(), backup.chunks(),
					Output.bytes(backup.storedBytes()), backup.duration().toMillis() / 1000.0);
			out.flush();

			ConnectionSpec target = demo.createDatabase("shop_restored");
			RestoreResult restore;
			try (Repository repository = this.fleet.openRepository()) {
				restore = new RestoreEngine(repository, this.clock)
					.restoreFull(RestoreRequest.full(DemoEnvironment.SOURCE)
						.backup(backup.backupId())
						.target(target)
						.jobs(this.fleet.restoreJobs(null))
						.build());
			}
			out.printf("restore into database 'shop_restored': %d rows in %.1f s%n%n", restore.rows(),
					restore.total().toMillis() / 1000.0);
			compare(out, DatabaseFingerprint.take(source), DatabaseFingerprint.take(target));
			return drill(out, demo);
		}
	}

	/**
	 * Ends with a DR drill: region eu-west declared lost, the database recovered from
	 * eu-central alone into a sandbox and checked; its reports are kept outside the
	 * demo's directory, which is removed.
	 */
	private int drill(PrintWriter out, DemoEnvironment demo) throws java.io.IOException {
		out.printf("%nDR drill: region %s declared lost, recovering '%s' from %s alone ...%n",
				demo.regions().get(0).name(), DemoEnvironment.SOURCE, demo.regions().get(1).name());
		out.flush();
		Path reports = Files.createTempDirectory("redoubt-demo-drill-");
		DrillRequest request = new DrillRequest(DemoEnvironment.SOURCE, DrillRequest.Type.LOGICAL,
				demo.regions().get(0).name(), RecoveryTarget.latest(), Duration.ofMinutes(5), Duration.ofDays(1),
				SandboxKind.AUTO, demo.work().resolve("sandboxes"),
				this.fleet.verifySettings(DemoEnvironment.SOURCE, null), null, null, false);
		Drill.Run run;
		try (Repository repository = this.fleet.openRepository()) {
			run = new Drill(repository, this.clock).run(request);
		}
		List<Path> written = DrillReports.write(run.report(), List.of(run.report()), reports);
		out.print(DrillReports.summary(run.report()));
		out.printf("drill report: %s%n", written.get(1));
		out.flush();
		return run.report().verdict().exitCode();
	}

	private static int compare(PrintWriter out, DatabaseFingerprint source, DatabaseFingerprint restored) {
		out.printf("%-52s %10s %10s  %s%n", "table", "source", "restored", "content");
		for (Map.Entry<String, String> table : source.tables().entrySet()) {
			String other = restored.tables().get(table.getKey());
			out.printf("%-52s %10s %10s  %s%n", table.getKey(), rows(table.getValue()), rows(other),
					table.getValue().equals(other) ? "equal" : "DIFFERENT");
		}
		long sequencesEqual = source.sequences()
			.entrySet()
			.stream()
			.filter((e) -> e.getValue().equals(restored.sequences().get(e.getKey())))
			.count();
		out.printf("%nsequences: %d of %d equal; large objects (count:hash): source %s, restored %s%n", sequencesEqual,
				source.sequences().size(), source.largeObjects(), restored.largeObjects());
		List<String> differences = source.differences(restored);
		if (differences.isEmpty()) {
			out.printf("%nOK: every table (%d), sequence and large object of the restored copy equals the source.%n",
					source.tables().size());
			out.flush();
			return 0;
		}
		differences.forEach((d) -> out.println("DIFFERENT: " + d));
		out.flush();
		throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
				differences.size() + " difference(s) between the source and the restored copy");
	}

	private static String rows(String fingerprint) {
		if (fingerprint == null) {
			return "-";
		}
		return Character.isDigit(fingerprint.charAt(0)) ? fingerprint.substring(0, fingerprint.indexOf(':'))
				: fingerprint;
	}

}
