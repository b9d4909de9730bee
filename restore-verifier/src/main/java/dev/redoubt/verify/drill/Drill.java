package dev.redoubt.verify.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.restore.physical.BaseBackups;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.physical.PointInTimeRecovery;
import dev.redoubt.restore.sandbox.SandboxJanitor;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.restore.sandbox.Sandboxes;
import dev.redoubt.verify.RecoveredClusterChecks;
import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.Verifier;
import dev.redoubt.verify.check.CheckResult;
import dev.redoubt.verify.check.CheckStatus;

/**
 * A DR drill: at a moment T it declares a region lost, recovers the source from what the
 * other regions hold alone (the lost region is not part of the repository it reads, so no
 * fallback can hide a hole) into a throwaway PostgreSQL, checks the recovered database,
 * and measures RTO (T to a usable database) and RPO (T minus the newest commit recovered)
 * against their targets. The signed record is stored in every surviving region.
 */
public final class Drill {

	private static final Logger log = LoggerFactory.getLogger(Drill.class);

	/** Codes that say the environment failed, not the backups. */
	private static final Set<ErrorCode> ENVIRONMENT = Set.of(ErrorCode.SANDBOX_FAILED, ErrorCode.PG_TOOL_UNSUITABLE,
			ErrorCode.INTERRUPTED, ErrorCode.INTERNAL, ErrorCode.DRILL_NOT_RUN);

	/** "last completed transaction was at log time 2026-12-06 20:40:01.123456+00". */
	private static final Pattern LAST_COMMIT = Pattern
		.compile("last completed transaction was at log time (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?)"
				+ "([+-]\\d\\d)(?::?(\\d\\d))?");

	private static final DateTimeFormatter RECORD_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
		.withZone(java.time.ZoneOffset.UTC);

	private final Repository repository;

	private final Clock clock;

	/**
	 * @param repository every configured region (of the source)
	 * @param clock gives T, the moment of the disaster (durations are measured apart from
	 * it, on a monotonic clock)
	 */
	public Drill(Repository repository, Clock clock) {
		this.repository = repository;
		this.clock = clock;
	}

	/** The report, and where its record went. */
	public record Run(DrillReport report, String recordKey, String recordProblem) {
	}

	/** Runs the drill; its outcome is the report's verdict, never an exception. */
	public Run run(DrillRequest request) {
		String lost = (request.lostRegion() != null) ? request.lostRegion()
				: this.repository.store().regions().get(0).name();
		try (Repository surviving = this.repository.withoutRegion(lost)) {
			Canary canary = null;
			RedoubtException planting = null;
			if (request.canary()) {
				try {
					canary = Canary.plant(request.sourceDatabase());
				}
				catch (RedoubtException ex) {
					planting = ex;
				}
			}
			Attempt attempt = new Attempt(request, lost, regionNames(surviving), this.clock.instant());
			log.info("drill of {}: region {} declared lost at {}; recovering from {}", request.source(), lost,
					attempt.disasterAt, attempt.surviving);
			try {
				if (planting != null) {
					throw planting;
				}
				if (canary != null) {
					canary.afterDisaster();
					attempt.canary = canary;
				}
				if (request.type() == DrillRequest.Type.PHYSICAL) {
					physical(surviving, attempt);
				}
				else {
					logical(surviving, attempt);
				}
			}
			catch (RedoubtException ex) {
				attempt.stopped(ex);
			}
			catch (RuntimeException ex) {
				attempt.stopped(new RedoubtException(ErrorCode.INTERNAL, "the drill failed: " + ex, ex));
			}
			DrillReport report = attempt.report(this.clock.instant());
			log.info("drill of {} from {}: {} {}", request.source(), attempt.surviving, report.verdict().label(),
					report.reasons());
			return record(surviving, report);
		}
	}

	private void physical(Repository surviving, Attempt attempt) {
		DrillRequest request = attempt.request;
		BaseBackupManifest manifest = attempt.phase("choose the backup",
				() -> BaseBackups.choose(surviving, request.source(), null, request.target()));
		attempt.backup(manifest.backupId(), manifest.stopTime());
		int major = manifest.source().serverVersionNum() / 10000;
		SandboxKind server = serverKind(request.sandbox(), major);
		attempt.environment.put("sandbox", (server == SandboxKind.TESTCONTAINERS) ? "testcontainers" : "local");
		attempt.environment.put("postgres", manifest.source().serverVersion());
		attempt.missingSegments = missingSegments(surviving, request, manifest);
		Path sandbox = newSandbox(request.sandboxRoot(), request.source());
		boolean keep = false;
		try {
			PointInTimeRecovery.Recovered recovered = new RestoreEngine(surviving, this.clock)
				.recover(RestoreRequest.cluster(request.source())
					.backup(manifest.backupId())
					.pointInTime(request.target())
					.dataDirectory(sandbox.resolve("cluster").resolve("data"))
					.jobs(request.settings().jobs())
					.readable()
					.server(server)
					.build());
			try (recovered) {
				PointInTimeRecovery.Result result = recovered.result();
				attempt.phase("fetch and unpack", result.unpackTime());
				attempt.phase("WAL fetch, replay and promote", result.replayTime());
				Instant newest = newestCommit(result.stoppedAt());
				attempt.recovered = new DrillReport.Recovered(manifest.backupId(), manifest.stopTime(),
						(newest != null) ? newest : manifest.stopTime(), result.walFiles(), result.stoppedAt(),
						result.timeline(), attempt.missingSegments, result.tarBytes());
				attempt.rpoBasis = (newest != null) ? "the newest commit recovered, as PostgreSQL reported it"
						: "the end of the base backup (no transaction replayed after it)";
				List<CheckResult> checks = attempt.phase("checks", () -> {
					List<CheckResult> results = new ArrayList<>(
							RecoveredClusterChecks.run(recovered, manifest, request.settings(), this.clock));
					if (attempt.canary != null) {
						results.add(attempt.canary.prove(recovered.connection(manifest.source().database()), newest));
					}
					return results;
				});
				attempt.checked(checks);
			}
			keep = attempt.failing() && request.keepOnFailure() != null;
		}
		catch (RedoubtException ex) {
			keep = request.keepOnFailure() != null && !ENVIRONMENT.contains(ex.code());
			throw ex;
		}
		finally {
			release(sandbox, keep ? request.keepOnFailure() : null, attempt);
		}
	}

	private void logical(Repository surviving, Attempt attempt) {
		DrillRequest request = attempt.request;
		String region = attempt.surviving.get(0);
		Manifest manifest = attempt.phase("choose the backup", () -> {
			BackupId id = surviving.resolve(request.source(), "latest");
			return surviving.readManifest(request.source(), id);
		});
		attempt.backup(manifest.backupId(), manifest.snapshot().time());
		int major = manifest.source().serverVersionNum() / 10000;
		SandboxKind server = serverKind(request.sandbox(), major);
		VerificationReport verification = new Verifier(surviving, this.clock, server, request.sandboxRoot())
			.verify(request.source(), BackupId.parse(manifest.backupId()), region, request.settings());
		for (VerificationReport.Phase phase : verification.phases()) {
			attempt.phase(phase.name(), phase.duration());
		}
		attempt.environment.put("sandbox", verification.sandboxKind());
		attempt.environment.put("postgres", verification.serverVersion());
		attempt.recovered = new DrillReport.Recovered(manifest.backupId(), manifest.snapshot().time(),
				manifest.snapshot().time(), null, List.of(), null, List.of(), null);
		attempt.rpoBasis = "the logical backup's snapshot";
		attempt.checked(verification.checks());
	}

	/**
	 * The server kind to recover with; a container without a Docker engine cannot run.
	 */
	private static SandboxKind serverKind(SandboxKind requested, int major) {
		SandboxKind server = Sandboxes.resolve(requested, major);
		if (server == SandboxKind.TESTCONTAINERS) {
			dev.redoubt.restore.sandbox.ContainerSandbox.requireDocker();
		}
		return server;
	}

	/**
	 * WAL segments the source says it archived (so every region had them) that no
	 * surviving region holds, from the base backup's first segment on: what the loss of
	 * the region costs. Empty if the source cannot be asked.
	 */
	private static List<String> missingSegments(Repository surviving, DrillRequest request,
			BaseBackupManifest manifest) {
		if (request.sourceDatabase() == null) {
			return List.of();
		}
		String lastArchived;
		try (Connection connection = request.sourceDatabase().open("redoubt drill");
				Statement statement = connection.createStatement();
				ResultSet row = statement
					.executeQuery("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")) {
			row.next();
			lastArchived = row.getString(1);
		}
		catch (SQLException | RedoubtException ex) {
			log.warn("cannot ask source {} which WAL it archived: {}", request.source(), ex.getMessage());
			return List.of();
		}
		if (!WalNames.isSegment(lastArchived) || WalNames.timeline(lastArchived) != manifest.timeline()) {
			return List.of();
		}
		Set<String> held = Set.copyOf(new WalArchive(surviving, request.source()).list().names());
		long bytes = manifest.walSegmentBytes();
		String segment = WalNames.segmentOf(manifest.timeline(), WalNames.parseLsn(manifest.startLsn()), bytes);
		List<String> missing = new ArrayList<>();
		while (segment.compareTo(lastArchived) <= 0) {
			if (!held.contains(segment)) {
				missing.add(segment);
			}
			segment = WalNames.next(segment, bytes);
		}
		return missing;
	}

	static Instant newestCommit(List<String> stoppedAt) {
		Instant newest = null;
		for (String line : stoppedAt) {
			Matcher matcher = LAST_COMMIT.matcher(line);
			if (matcher.find()) {
				String offset = matcher.group(2) + ":" + ((matcher.group(3) != null) ? matcher.group(3) : "00");
				newest = OffsetDateTime.parse(matcher.group(1).replace(' ', 'T') + offset).toInstant();
			}
		}
		return newest;
	}

	/**
	 * A sandbox directory the janitor knows: removed by the next run if this one dies.
	 */
	private static Path newSandbox(Path root, String source) {
		SandboxJanitor.sweep(root);
		try {
			Files.createDirectories(root);
			Path directory = Files.createTempDirectory(root, "sandbox-drill-" + source + "-");
			Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx--x--x"));
			SandboxJanitor.claim(directory);
			Path cluster = Files.createDirectories(directory.resolve("cluster"));
			Files.setPosixFilePermissions(cluster, PosixFilePermissions.fromString("rwx--x--x"));
			return directory;
		}
		catch (IOException | RuntimeException ex) {
			throw new RedoubtException(ErrorCode.SANDBOX_FAILED,
					"cannot create a drill sandbox under " + root + ": " + ex.getMessage(), ex);
		}
	}

	private void release(Path sandbox, Duration keep, Attempt attempt) {
		if (keep == null) {
			DirectoryTree.delete(sandbox);
			return;
		}
		try {
			SandboxJanitor.keepUntil(sandbox, this.clock.instant().plus(keep));
			attempt.keptSandbox = sandbox.toString();
			log.warn("the failed drill's sandbox is kept until {} for inspection: {}", this.clock.instant().plus(keep),
					sandbox);
		}
		catch (IOException ex) {
			DirectoryTree.delete(sandbox);
		}
	}

	private Run record(Repository surviving, DrillReport report) {
		String name = RECORD_TIME.format(report.disasterAt()) + "-" + report.type();
		try {
			String key = surviving.writeDrill(report.source(), name, ManifestCodec.json().writeValueAsBytes(report));
			return new Run(report, key, null);
		}
		catch (RedoubtException ex) {
			log.warn("the drill record of {} could not be stored: {}", report.source(), ex.getMessage());
			return new Run(report, null, ex.getMessage());
		}
	}

	private static List<String> regionNames(Repository repository) {
		return repository.store().regions().stream().map(ObjectStore::name).toList();
	}

	/** What a drill gathers as it goes, and its verdict. */
	private static final class Attempt {

		final DrillRequest request;

		final String lost;

		final List<String> surviving;

		final Instant disasterAt;

		final long started = System.nanoTime();

		final List<DrillReport.Phase> phases = new ArrayList<>();

		final List<DrillReport.Check> checks = new ArrayList<>();

		final List<String> reasons = new ArrayList<>();

		final Map<String, String> environment = new LinkedHashMap<>();

		DrillVerdict stoppedBy;

		DrillReport.Recovered recovered;

		List<String> missingSegments = List.of();

		String backupId;

		Instant backupTakenAt;

		String rpoBasis;

		Long usableNanos;

		String keptSandbox;

		Canary canary;

		Attempt(DrillRequest request, String lost, List<String> surviving, Instant disasterAt) {
			this.request = request;
			this.lost = lost;
			this.surviving = surviving;
			this.disasterAt = disasterAt;
			this.environment.put("host", hostName());
			this.environment.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
		}

		<T> T phase(String name, Supplier<T> work) {
			long start = System.nanoTime();
			T result = work.get();
			phase(name, Duration.ofNanos(System.nanoTime() - start));
			return result;
		}

		void phase(String name, Duration duration) {
			this.phases.add(new DrillReport.Phase(name, DrillReport.seconds(duration)));
		}

		void backup(String id, Instant takenAt) {
			this.backupId = id;
			this.backupTakenAt = takenAt;
		}

		void checked(List<CheckResult> results) {
			for (CheckResult check : results) {
				this.checks.add(new DrillReport.Check(check.id(), check.title(), check.status().label(), check.detail(),
						DrillReport.seconds(check.duration())));
				if (check.status() == CheckStatus.FAILED) {
					this.reasons.add("check " + check.id() + " failed: " + check.detail());
				}
			}
			if (results.stream().noneMatch((check) -> check.status() == CheckStatus.FAILED)) {
				this.usableNanos = System.nanoTime();
			}
		}

		void stopped(RedoubtException ex) {
			this.stoppedBy = ENVIRONMENT.contains(ex.code()) ? DrillVerdict.COULD_NOT_RUN : DrillVerdict.FAIL;
			this.reasons.add(((this.stoppedBy == DrillVerdict.COULD_NOT_RUN) ? "could not run: " : "recovery failed: ")
					+ ex.getMessage());
		}

		/** Whether the drill is failing so far (a red check, a missed target). */
		boolean failing() {
			return !this.reasons.isEmpty() || missed(rto(), this.request.rto()) || missed(rpo(), this.request.rpo());
		}

		Duration rto() {
			return (this.usableNanos == null) ? null : Duration.ofNanos(this.usableNanos - this.started);
		}

		Duration rpo() {
			return (this.recovered == null || this.recovered.newestCommit() == null) ? null
					: Duration.between(this.recovered.newestCommit(), this.disasterAt);
		}

		private static boolean missed(Duration measured, Duration target) {
			return measured != null && target != null && measured.compareTo(target) > 0;
		}

		DrillReport report(Instant finishedAt) {
			List<String> why = new ArrayList<>(this.reasons);
			Duration rto = rto();
			Duration rpo = rpo();
			if (missed(rto, this.request.rto())) {
				why.add(0, "RTO " + human(rto) + " exceeds the target " + human(this.request.rto()));
			}
			if (missed(rpo, this.request.rpo())) {
				why.add(0,
						"RPO " + human(rpo) + " exceeds the target " + human(this.request.rpo())
								+ (this.missingSegments.isEmpty() ? "" : "; no surviving region holds WAL "
										+ summary(this.missingSegments) + ", which the source archived"));
			}
			DrillVerdict verdict = (this.stoppedBy != null) ? this.stoppedBy
					: why.isEmpty() && this.usableNanos != null ? DrillVerdict.PASS : DrillVerdict.FAIL;
			if (verdict == DrillVerdict.FAIL && why.isEmpty()) {
				why.add("the recovered database did not become usable");
			}
			DrillReport.Recovered what = (this.recovered != null) ? this.recovered
					: (this.backupId != null) ? new DrillReport.Recovered(this.backupId, this.backupTakenAt, null, null,
							List.of(), null, this.missingSegments, null) : null;
			return new DrillReport(DrillReport.FORMAT_VERSION, this.request.source(), this.request.type().label(),
					verdict, List.copyOf(why), this.disasterAt, finishedAt,
					(rto == null) ? null : this.disasterAt.plus(rto), this.lost, this.surviving,
					DrillReport.Measure.of(rto, this.request.rto(), "from the declared disaster to a usable database"),
					DrillReport.Measure.of(rpo, this.request.rpo(), this.rpoBasis), List.copyOf(this.phases), what,
					List.copyOf(this.checks), Map.copyOf(this.environment), this.keptSandbox);
		}

		private static String summary(List<String> segments) {
			return (segments.size() == 1) ? segments.get(0) : segments.get(0) + " .. "
					+ segments.get(segments.size() - 1) + " (" + segments.size() + " segments)";
		}

		private static String hostName() {
			try {
				return java.net.InetAddress.getLocalHost().getHostName();
			}
			catch (IOException ex) {
				return "unknown";
			}
		}

	}

	/** {@code 1.2 s}, {@code 3 min 05 s}, {@code 2 h 01 min}. */
	public static String human(Duration duration) {
		long millis = duration.toMillis();
		if (millis < 60_000) {
			return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
		}
		long seconds = duration.toSeconds();
		if (seconds < 3600) {
			return String.format(java.util.Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
		}
		return String.format(java.util.Locale.ROOT, "%d h %02d min", seconds / 3600, (seconds % 3600) / 60);
	}

}
