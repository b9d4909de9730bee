package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.incident.IncidentFinder;
import dev.redoubt.restore.incident.WalChanges;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.service.config.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code redoubt incident --source S --table T}: the transactions in the archived WAL
 * that deleted, updated, truncated, rewrote or dropped a table, and the restore that
 * brings it back as it was just before one of them.
 */
@Command(name = "incident", mixinStandardHelpOptions = true,
		description = "List the transactions in the archived WAL that deleted, updated, truncated or dropped a "
				+ "table, and the restore that gives it back as it was just before one of them.",
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class IncidentCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source whose WAL to read.")
	String source;

	@Option(names = "--table", required = true, paramLabel = "TABLE",
			description = "The table (schema.table), as it is called now or was at the base backup.")
	String table;

	@Option(names = "--since", paramLabel = "TIME",
			description = "Changes committed at or after this time (default: since the newest base backup).")
	String since;

	@Option(names = "--until", paramLabel = "TIME", description = "Changes committed before this time.")
	String until;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	public IncidentCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

	@Override
	public Integer call() {
		this.fleet.requireSource(this.source);
		QualifiedName name = QualifiedName.parse(this.table);
		Instant from = (this.since != null) ? time("--since", this.since) : null;
		Instant to = (this.until != null) ? time("--until", this.until) : null;
		if (from != null && to != null && !from.isBefore(to)) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--since must be before --until");
		}
		ConnectionSpec live = this.fleet.source(this.source);
		IncidentFinder.Report report;
		try (Repository repository = this.fleet.openRepository(this.source)) {
			report = IncidentFinder.find(repository, new IncidentFinder.Request(this.source, live.database(), name,
					liveFile(live, name), from, to, this.fleet.restoreJobs(null)));
		}
		print(name, report);
		return 0;
	}

	private static Instant time(String option, String text) {
		try {
			return RecoveryTarget.time(text).time();
		}
		catch (RedoubtException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					option + " '" + text + "' is not a time with a zone offset",
					"write it as 2026-12-02T14:31:00Z or 2026-12-02 14:31:00+01:00", null);
		}
	}

	/** The table's heap file now, if it exists (it may have been dropped). */
	private static Optional<Long> liveFile(ConnectionSpec live, QualifiedName name) {
		try (Connection connection = live.open("redoubt incident");
				PreparedStatement statement = connection
					.prepareStatement("SELECT pg_relation_filenode(c.oid) FROM pg_class c JOIN pg_namespace n"
							+ " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind = 'r'")) {
			statement.setString(1, name.schema());
			statement.setString(2, name.name());
			try (ResultSet rows = statement.executeQuery()) {
				return rows.next() ? Optional.of(rows.getLong(1)) : Optional.empty();
			}
		}
		catch (SQLException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE,
					"cannot read the catalog of source: " + ex.getMessage(), ex);
		}
	}

	private void print(QualifiedName name, IncidentFinder.Report report) {
		PrintWriter out = this.spec.commandLine().getOut();
		String proposal = report.changes()
			.stream()
			.reduce((a, b) -> b)
			.map((last) -> "redoubt restore --source " + this.source + " --table " + name + " --before-xid "
					+ last.xid())
			.orElse(null);
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", this.source);
			document.put("table", name.toString());
			document.put("baseBackupId", report.baseBackupId());
			document.put("recoverableFrom", report.windowStart().toString());
			document.put("fromLsn", report.fromLsn());
			document.put("toLsn", report.toLsn());
			document.put("segments", report.segments());
			document.put("changes", report.changes());
			document.put("restore", proposal);
			Output.printJson(out, document);
			return;
		}
		out.printf("changes to %s in the WAL of source %s from base backup %s (%s .. %s, %d segments):%n", name,
				this.source, report.baseBackupId(), report.fromLsn(), report.toLsn(), report.segments());
		if (report.changes().isEmpty()) {
			out.println("  none");
		}
		else {
			out.printf("  %-27s  %10s  %-12s  %-8s  %8s  %8s%n", "committed (UTC)", "xid", "lsn", "kind", "deleted",
					"updated");
		}
		for (WalChanges.Change change : report.changes()) {
			out.printf("  %-27s  %10d  %-12s  %-8s  %8s  %8s%n", change.committedAt(), change.xid(), change.commitLsn(),
					change.kind(), rows(change, change.rowsDeleted()), rows(change, change.rowsUpdated()));
		}
		if (proposal != null) {
			out.printf("the table as it was just before one of them (the last shown here):%n  %s%n", proposal);
		}
		out.printf("recoverable from %s (the end of the oldest base backup) to the end of the archive%n",
				report.windowStart());
		out.flush();
	}

	/**
	 * A truncate or drop removes rows without a record each: their count is not known.
	 */
	private static String rows(WalChanges.Change change, long rows) {
		return switch (change.kind()) {
			case "truncate", "drop", "rewrite" -> "-";
			default -> Long.toString(rows);
		};
	}

}
