package dev.redoubt.service.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.physical.PointInTimeRecovery;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.restore.sandbox.SandboxJanitor;
import dev.redoubt.service.config.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code redoubt timetravel}: a source's cluster recovered into a sandbox and left
 * paused, read-only, at a point in time, so that an engineer can look before choosing
 * what to restore; {@code timetravel list} and {@code timetravel stop ID}. Each lives in
 * {@code <sandbox root>/sandbox-timetravel-<id>/} until its TTL, after which the next
 * {@code timetravel} command, verification or drill removes it.
 */
@Command(name = "timetravel", mixinStandardHelpOptions = true,
		subcommands = { TimeTravelCommand.ListCommand.class, TimeTravelCommand.StopCommand.class },
		description = {
				"Recover a source into a sandbox paused read-only at a point in time, and print how to "
						+ "connect to it (a Unix socket only the server's user and root can reach).",
				"With --table or --schema only the files those tables need are fetched (the other tables read "
						+ "as empty). It stays until --ttl (default 1h) or timetravel stop ID." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class TimeTravelCommand implements Callable<Integer>, JsonOutput {

	static final String PREFIX = "sandbox-timetravel-";

	static final String RECORD = "timetravel.json";

	@Option(names = "--source", paramLabel = "NAME", description = "Source to recover (required).")
	String source;

	@Mixin
	RecoveryTargetOptions target = new RecoveryTargetOptions();

	@Option(names = "--table", paramLabel = "SCHEMA.TABLE",
			description = "Fetch only what these tables need (repeatable); the others read as empty.")
	List<String> tables = new ArrayList<>();

	@Option(names = "--schema", paramLabel = "SCHEMA", description = "As --table, for every table of a schema.")
	List<String> schemas = new ArrayList<>();

	@Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h",
			description = "How long it stays (90s, 15m, 1h; default 1h).")
	String ttl;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	private final Clock clock;

	public TimeTravelCommand(Fleet fleet, Clock clock) {
		this.fleet = fleet;
		this.clock = clock;
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

	@Override
	public Integer call() throws IOException {
		if (this.source == null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "timetravel needs --source NAME and a target "
					+ "(--as-of TIME, --before-xid XID, --to-lsn, --to-xid or --to-name)");
		}
		this.fleet.requireSource(this.source);
		if (!this.target.anyTarget() || this.target.latest || this.target.physical()
				|| this.target.dataDirectory != null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					"timetravel needs one point in time: --as-of TIME, --before-xid XID, --to-lsn, --to-xid or --to-name");
		}
		RecoveryTarget at = this.target.target();
		Duration keep = Output.duration("--ttl", this.ttl);
		Path root = this.fleet.sandboxRoot();
		SandboxJanitor.sweep(root);
		Instant now = this.clock.instant();
		String id = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC).format(now)
				+ "-" + String.format("%04x", java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000));
		Path directory = Files.createDirectories(root.resolve(PREFIX + id));
		SandboxJanitor.keepUntil(directory, now.plus(keep));
		ConnectionSpec live = this.fleet.source(this.source);
		List<QualifiedName> names = this.tables.stream().map(QualifiedName::parse).toList();
		boolean done = false;
		try (Repository repository = this.fleet.openRepository(this.source)) {
			PointInTimeRecovery.Recovered recovered = new RestoreEngine(repository, this.clock)
				.recover(RestoreRequest.cluster(this.source)
					.pointInTime(at)
					.dataDirectory(directory.resolve("cluster").resolve("data"))
					.jobs(this.fleet.restoreJobs(null))
					.pausedIn(directory.resolve("work"))
					.sourceDatabase(live)
					.tables(names)
					.schemas(this.schemas)
					.build());
			recovered.detach();
			Map<String, Object> record = new LinkedHashMap<>();
			record.put("id", id);
			record.put("source", this.source);
			record.put("target", at.toString());
			record.put("baseBackupId", recovered.result().backupId());
			record.put("files", recovered.result().files());
			record.put("database", live.database());
			record.put("socketDirectory", recovered.socketDirectory().toString());
			record.put("port", recovered.port());
			record.put("user", recovered.superuser());
			record.put("createdAt", now.toString());
			record.put("expiresAt", now.plus(keep).toString());
			record.put("psql", psql(recovered.socketDirectory().toString(), recovered.port(), live.database(),
					recovered.superuser()));
			Files.write(directory.resolve(RECORD), ManifestCodec.json().writeValueAsBytes(record));
			done = true;
			print(record);
			return 0;
		}
		finally {
			if (!done) {
				DirectoryTree.delete(directory);
			}
		}
	}

	private void print(Map<String, Object> record) {
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Output.printJson(out, record);
			return;
		}
		out.printf("time travel %s: source %s as of %s (base backup %s; %s), read-only until %s%n", record.get("id"),
				record.get("source"), record.get("target"), record.get("baseBackupId"), record.get("files"),
				record.get("expiresAt"));
		out.printf("  %s%n", record.get("psql"));
		out.printf("  redoubt timetravel stop %s   # when done%n", record.get("id"));
		out.flush();
	}

	/**
	 * A psql command line that connects (no password: trust on a socket only its owner
	 * reaches).
	 */
	static String psql(String socket, int port, String database, String user) {
		return "psql \"host=" + socket + " port=" + port + " dbname=" + ConnectionSpec.conninfoValue(database)
				+ " user=" + ConnectionSpec.conninfoValue(user) + "\"";
	}

	/**
	 * The time travels under the sandbox root, newest first, each read from its record.
	 */
	static List<JsonNode> all(Path root) {
		List<JsonNode> found = new ArrayList<>();
		if (!Files.isDirectory(root)) {
			return found;
		}
		try (Stream<Path> entries = Files.list(root)) {
			for (Path directory : entries.filter((p) -> p.getFileName().toString().startsWith(PREFIX))
				.sorted(java.util.Comparator.reverseOrder())
				.toList()) {
				Path record = directory.resolve(RECORD);
				if (Files.exists(record)) {
					found.add(ManifestCodec.json().readTree(Files.readAllBytes(record)));
				}
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED, "cannot list " + root + ": " + ex.getMessage(), ex);
		}
		return found;
	}

	/** {@code redoubt timetravel list}. */
	@Command(name = "list", mixinStandardHelpOptions = true,
			description = "List the time travels still running (expired ones are removed first).")
	public static class ListCommand implements Callable<Integer>, JsonOutput {

		@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
		OutputFormat output;

		@Spec
		CommandSpec spec;

		private final Fleet fleet;

		public ListCommand(Fleet fleet) {
			this.fleet = fleet;
		}

		@Override
		public boolean json() {
			return this.output == OutputFormat.json;
		}

		@Override
		public Integer call() {
			SandboxJanitor.sweep(this.fleet.sandboxRoot());
			List<JsonNode> travels = all(this.fleet.sandboxRoot());
			PrintWriter out = this.spec.commandLine().getOut();
			if (json()) {
				Output.printJson(out, Map.of("timetravels", travels));
				return 0;
			}
			if (travels.isEmpty()) {
				out.println("no time travel running");
			}
			for (JsonNode travel : travels) {
				out.printf("%s  source %s as of %s, until %s%n  %s%n", travel.path("id").asString(),
						travel.path("source").asString(), travel.path("target").asString(),
						travel.path("expiresAt").asString(), travel.path("psql").asString());
			}
			out.flush();
			return 0;
		}

	}

	/** {@code redoubt timetravel stop ID}. */
	@Command(name = "stop", mixinStandardHelpOptions = true,
			description = "Stop a time travel's server and remove its sandbox.")
	public static class StopCommand implements Callable<Integer> {

		@Parameters(paramLabel = "ID", description = "The id timetravel printed (timetravel list shows them).")
		String id;

		@Spec
		CommandSpec spec;

		private final Fleet fleet;

		public StopCommand(Fleet fleet) {
			this.fleet = fleet;
		}

		@Override
		public Integer call() {
			if (!this.id.matches("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{1,8}")) {
				throw new RedoubtException(ErrorCode.CONFIG_INVALID, "'" + this.id + "' is not a time travel id");
			}
			Path directory = this.fleet.sandboxRoot().resolve(PREFIX + this.id);
			if (!Files.isDirectory(directory)) {
				throw new RedoubtException(ErrorCode.SANDBOX_FAILED, "no time travel " + this.id + " here",
						"redoubt timetravel list shows the running ones", null);
			}
			SandboxJanitor.remove(directory);
			this.spec.commandLine().getOut().printf("time travel %s stopped and removed%n", this.id);
			this.spec.commandLine().getOut().flush();
			return 0;
		}

	}

}
