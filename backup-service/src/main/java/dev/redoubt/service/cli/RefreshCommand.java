package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.restore.mask.Masking;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.refresh.Refresh;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code redoubt refresh}: an environment's database replaced by a masked, verified copy
 * of the newest verified backup.
 */
@Command(name = "refresh", mixinStandardHelpOptions = true,
		description = { "Refresh a DEV or QAT database from the newest verified backup, masked: restored into a "
				+ "database of its own beside it, verified (row counts, constraints, no masked value equal to its "
				+ "original), and only then swapped in; a failure or a crash before leaves the database as it was.",
				"Strict whatever the policy says: a column it does not classify stops the refresh (exit 35)." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class RefreshCommand implements Callable<Integer>, JsonOutput {

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source whose backups to use.")
	String source;

	@Option(names = "--target", required = true, paramLabel = "JDBC_URL",
			description = "The environment's database (replaced); its server must allow CREATE DATABASE.")
	String target;

	@Option(names = "--target-user", paramLabel = "ROLE",
			description = "Role on the environment's server (default: the source's); password from PGPASSWORD.")
	String targetUser;

	@Option(names = "--mask", required = true, paramLabel = "POLICY", description = "The masking policy (YAML).")
	Path policy;

	@Option(names = "--mask-key", required = true, paramLabel = "FILE",
			description = "The masking key: a file of at least 16 bytes of secret material.")
	Path key;

	@Option(names = "--jobs", paramLabel = "N", description = "Parallel sessions.")
	Integer jobs;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	private final Clock clock;

	public RefreshCommand(Fleet fleet, Clock clock) {
		this.fleet = fleet;
		this.clock = clock;
	}

	@Override
	public Integer call() {
		this.fleet.requireSource(this.source);
		Masking masking = Masking.read(this.policy, this.key);
		ConnectionSpec source = this.fleet.source(this.source);
		ConnectionSpec environment = Output.target(source, this.target, this.targetUser);
		try (Repository repository = this.fleet.openRepository(this.source)) {
			Refresh.Result result = new Refresh(repository, this.clock).run(this.source, environment, masking,
					this.fleet.restoreJobs(this.jobs));
			PrintWriter out = this.spec.commandLine().getOut();
			if (json()) {
				Map<String, Object> document = new LinkedHashMap<>();
				document.put("source", this.source);
				document.put("backupId", result.backupId());
				document.put("database", result.database());
				document.put("tables", result.tables());
				document.put("rows", result.rows());
				document.put("replaced", result.replaced());
				document.put("durationMs", result.took().toMillis());
				Output.printJson(out, document);
			}
			else {
				out.printf(
						"refreshed database %s from backup %s of source %s: %d tables, %d rows, masked and "
								+ "verified%s in %.1f s%n",
						result.database(), result.backupId(), this.source, result.tables(), result.rows(),
						result.replaced() ? ", the earlier copy replaced" : "", result.took().toMillis() / 1000.0);
				out.flush();
			}
			return 0;
		}
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
