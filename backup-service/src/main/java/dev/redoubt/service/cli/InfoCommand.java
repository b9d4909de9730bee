package dev.redoubt.service.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.repository.BackupListing;
import dev.redoubt.core.repository.BackupStatus;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.VerificationRecord;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.pg.SchemaVersionReader;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.service.checkpoint.Checkpoint;
import dev.redoubt.service.checkpoint.Checkpoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code redoubt info --source NAME}: the restorable backups of a source, newest first,
 * and the leftovers of backups that never completed.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
		description = "List the restorable backups of a source and the leftovers of incomplete ones.",
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class InfoCommand implements Callable<Integer>, JsonOutput {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InfoCommand.class);

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source whose backups to list.")
	String source;

	@Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
	OutputFormat output;

	@Spec
	CommandSpec spec;

	private final Fleet fleet;

	public InfoCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public Integer call() {
		this.fleet.requireSource(this.source);
		List<Map<String, Object>> backups = new ArrayList<>();
		List<Map<String, Object>> incomplete = new ArrayList<>();
		List<Map<String, Object>> bases = new ArrayList<>();
		Map<String, Object> checkpoints;
		Map<String, Manifest> manifests = new java.util.TreeMap<>();
		try (Repository repository = this.fleet.openRepository(this.source)) {
			checkpoints = checkpoints(repository);
			String area = BaseBackupManifest.area(this.source);
			for (BackupListing listing : repository.list(area)) {
				if (listing.restorable()) {
					Map<String, Object> base = describeBase(listing,
							repository.readManifest(area, listing.id(), BaseBackupManifest.class));
					base.put("verification", verification(repository.verifications(area, listing.id())));
					bases.add(base);
				}
			}
			for (BackupListing listing : repository.list(this.source)) {
				if (listing.status() == BackupStatus.INCOMPLETE) {
					incomplete.add(describeIncomplete(listing));
					continue;
				}
				try {
					Manifest manifest = repository.readManifest(this.source, listing.id());
					manifests.put(listing.id().value(), manifest);
					Map<String, Object> backup = describe(listing, manifest);
					backup.put("verification", verification(repository.verifications(this.source, listing.id())));
					backups.add(backup);
				}
				catch (RedoubtException ex) {
					// one unreadable manifest must not hide the other backups
					Map<String, Object> unreadable = new LinkedHashMap<>();
					unreadable.put("id", listing.id().value());
					unreadable.put("status", "unreadable");
					unreadable.put("error", Output.error(ex));
					backups.add(unreadable);
				}
			}
		}
		newBytes(manifests, backups);
		print(backups, incomplete, bases, checkpoints);
		return 0;
	}

	/**
	 * Each backup's {@code newBytes}: the stored bytes of the chunks no older backup
	 * listed names (what it uploaded, unless an expired backup held them), and
	 * {@code referencedBytes}, the rest of its {@code storedBytes}. Without shared chunks
	 * every chunk is a backup's own.
	 */
	private static void newBytes(Map<String, Manifest> manifests, List<Map<String, Object>> backups) {
		java.util.Set<String> older = new java.util.HashSet<>();
		Map<String, Long> fresh = new java.util.HashMap<>();
		manifests.forEach((id, manifest) -> {
			Map<String, Long> distinct = new LinkedHashMap<>();
			manifest.allChunks().forEach((chunk) -> distinct.putIfAbsent(chunk.key(), chunk.storedBytes()));
			fresh.put(id,
					distinct.entrySet()
						.stream()
						.filter((chunk) -> !older.contains(chunk.getKey()))
						.mapToLong(Map.Entry::getValue)
						.sum());
			older.addAll(distinct.keySet());
		});
		for (Map<String, Object> backup : backups) {
			Long mine = fresh.get((String) backup.get("id"));
			if (mine != null) {
				backup.put("newBytes", mine);
				backup.put("referencedBytes", (Long) backup.get("storedBytes") - mine);
			}
		}
	}

	private static Map<String, Object> describeBase(BackupListing listing, BaseBackupManifest manifest) {
		Map<String, Object> backup = new LinkedHashMap<>();
		backup.put("id", listing.id().value());
		backup.put("status", listing.status().name().toLowerCase());
		backup.put("type", manifest.type());
		backup.put("startedAt", manifest.startedAt().toString());
		backup.put("completedAt", manifest.completedAt().toString());
		backup.put("timeline", manifest.timeline());
		backup.put("startLsn", manifest.startLsn());
		backup.put("stopLsn", manifest.stopLsn());
		backup.put("stopTime", manifest.stopTime().toString());
		backup.put("serverVersion", manifest.source().serverVersion());
		backup.put("tarBytes", manifest.tarBytes());
		backup.put("storedBytes", manifest.chunks().stream().mapToLong(ChunkRef::storedBytes).sum());
		backup.put("missingIn", listing.regionsMissingManifest());
		return backup;
	}

	private Map<String, Object> describe(BackupListing listing, Manifest manifest) {
		Map<String, Object> backup = new LinkedHashMap<>();
		backup.put("id", listing.id().value());
		backup.put("status", listing.status().name().toLowerCase());
		backup.put("type", manifest.type());
		backup.put("startedAt", manifest.startedAt().toString());
		backup.put("completedAt", manifest.completedAt().toString());
		backup.put("snapshotLsn", manifest.snapshot().lsn());
		backup.put("database", manifest.source().database());
		backup.put("serverVersion", manifest.source().serverVersion());
		backup.put("tables", manifest.tables().size());
		backup.put("rows", manifest.tables().stream().mapToLong(TableEntry::rows).sum());
		backup.put("storedBytes", manifest.allChunks().stream().mapToLong(ChunkRef::storedBytes).sum());
		backup.put("missingIn", listing.regionsMissingManifest());
		return backup;
	}

	/**
	 * The newest verification record, or {@code null} if the backup was never verified.
	 */
	private static Map<String, Object> verification(List<VerificationRecord> records) {
		if (records.isEmpty()) {
			return null;
		}
		VerificationRecord last = records.get(records.size() - 1);
		Map<String, Object> verification = new LinkedHashMap<>();
		verification.put("verified", last.verified());
		verification.put("at", last.finishedAt().toString());
		verification.put("region", last.region());
		verification.put("restoreSeconds", last.restoreSeconds());
		verification.put("sandbox", last.sandbox());
		verification.put("checks", last.checks().stream().map(VerificationRecord.Check::id).toList());
		verification.put("failedChecks",
				last.checks()
					.stream()
					.filter((c) -> !"passed".equals(c.status()))
					.map(VerificationRecord.Check::id)
					.toList());
		verification.put("runs", records.size());
		return verification;
	}

	private static String verificationText(Object value) {
		if (!(value instanceof Map<?, ?> verification)) {
			return "  not verified";
		}
		if (Boolean.TRUE.equals(verification.get("verified"))) {
			return String.format("  verified %s (%s, restore %.1f s, %s sandbox)", verification.get("at"),
					verification.get("region"), (Double) verification.get("restoreSeconds"),
					verification.get("sandbox"));
		}
		return "  VERIFICATION FAILED " + verification.get("at") + ": " + verification.get("failedChecks");
	}

	private static Map<String, Object> describeIncomplete(BackupListing listing) {
		Map<String, Object> leftover = new LinkedHashMap<>();
		leftover.put("id", listing.id().value());
		Map<String, Object> regions = new LinkedHashMap<>();
		listing.regions().forEach((name, copy) -> {
			Map<String, Object> region = new LinkedHashMap<>();
			region.put("objects", copy.objects());
			region.put("bytes", copy.bytes());
			region.put("manifest", copy.manifest());
			region.put("lock", copy.lock());
			regions.put(name, region);
		});
		leftover.put("regions", regions);
		return leftover;
	}

	/**
	 * The source's checkpoints, and its schema version now (read from the source, if it
	 * answers) to set them against.
	 */
	private Map<String, Object> checkpoints(Repository repository) {
		List<Checkpoint> taken;
		try {
			taken = Checkpoints.list(repository, this.source);
		}
		catch (RedoubtException ex) {
			// the backups are what info is for: a listing failure of the checkpoints
			// hides none of them
			log.warn("cannot list the checkpoints of source {}: {}", this.source, ex.getMessage());
			return null;
		}
		if (taken.isEmpty()) {
			return null;
		}
		Map<String, Object> section = new LinkedHashMap<>();
		section.put("list", taken.stream().map(CheckpointCommand::describe).toList());
		BackupSettings settings = this.fleet.backupSettings(this.source);
		try (java.sql.Connection db = this.fleet.source(this.source).open("redoubt info")) {
			section.put("schemaVersionNow",
					SchemaVersionReader.read(db, settings.migrationsTable(), settings.migrationsColumn()));
		}
		catch (java.sql.SQLException | RedoubtException ex) {
			section.put("schemaVersionNow", null);
			section.put("sourceUnreachable", ex.getMessage());
		}
		return section;
	}

	private void print(List<Map<String, Object>> backups, List<Map<String, Object>> incomplete,
			List<Map<String, Object>> bases, Map<String, Object> checkpoints) {
		PrintWriter out = this.spec.commandLine().getOut();
		if (json()) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", this.source);
			document.put("backups", backups);
			document.put("incomplete", incomplete);
			if (!bases.isEmpty()) {
				// a source without base backups keeps the documented output
				document.put("baseBackups", bases);
			}
			if (checkpoints != null) {
				document.put("checkpoints", checkpoints);
			}
			Output.printJson(out, document);
			return;
		}
		out.printf("source %s: %d restorable backup(s)%n", this.source, backups.size());
		for (Map<String, Object> backup : backups) {
			if ("unreadable".equals(backup.get("status"))) {
				out.printf("  %s  UNREADABLE: %s%n", backup.get("id"),
						((Map<?, ?>) backup.get("error")).get("message"));
				continue;
			}
			out.printf("  %s  %-8s  %s  %s tables  %s rows  %s per region%s%s%s%n", backup.get("id"),
					backup.get("status"), backup.get("completedAt"), backup.get("tables"), backup.get("rows"),
					Output.bytes((Long) backup.get("storedBytes")),
					(backup.get("referencedBytes") instanceof Long shared && shared > 0)
							? " (" + Output.bytes((Long) backup.get("newBytes")) + " new, " + Output.bytes(shared)
									+ " shared with older backups)"
							: "",
					((List<?>) backup.get("missingIn")).isEmpty() ? "" : "  MISSING IN " + backup.get("missingIn"),
					verificationText(backup.get("verification")));
		}
		if (!bases.isEmpty()) {
			out.printf("%d base backup(s):%n", bases.size());
			for (Map<String, Object> base : bases) {
				out.printf("  %s  %-8s  ends %s  timeline %s, WAL %s .. %s  %s per region%s%s%n", base.get("id"),
						base.get("status"), base.get("stopTime"), base.get("timeline"), base.get("startLsn"),
						base.get("stopLsn"), Output.bytes((Long) base.get("storedBytes")),
						((List<?>) base.get("missingIn")).isEmpty() ? "" : "  MISSING IN " + base.get("missingIn"),
						verificationText(base.get("verification")));
			}
		}
		if (checkpoints != null) {
			List<?> list = (List<?>) checkpoints.get("list");
			out.printf("%d checkpoint(s); the source is at schema version %s now:%n", list.size(),
					(checkpoints.get("sourceUnreachable") != null) ? "unknown (source unreachable)"
							: Checkpoint.describe((Manifest.SchemaVersion) checkpoints.get("schemaVersionNow")));
			for (Object item : list) {
				Map<?, ?> checkpoint = (Map<?, ?>) item;
				out.printf("  %-24s  %s  restore point %s  schema version %s%n", checkpoint.get("name"),
						checkpoint.get("createdAt"), checkpoint.get("lsn"),
						Checkpoint.describe((Manifest.SchemaVersion) checkpoint.get("schemaVersion")));
			}
		}
		if (!incomplete.isEmpty()) {
			out.printf("%d incomplete backup(s), not restorable; their objects are leftovers to clean up:%n",
					incomplete.size());
			for (Map<String, Object> leftover : incomplete) {
				out.printf("  %s  %s%n", leftover.get("id"), leftover.get("regions"));
			}
		}
		out.flush();
	}

	@Override
	public boolean json() {
		return this.output == OutputFormat.json;
	}

}
