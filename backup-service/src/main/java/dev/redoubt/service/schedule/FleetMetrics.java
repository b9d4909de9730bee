package dev.redoubt.service.schedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import dev.redoubt.service.backup.BackupResult;
import dev.redoubt.service.catalog.CatalogEntries;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.config.RedoubtProperties;
import dev.redoubt.verify.VerificationMetrics;

/**
 * The service's metrics, per source and backup type: when the last successful backup
 * completed, how long it took and how much it stored (from the catalog, so they survive a
 * restart), job runs and failures, and the WAL archive lag the archiver publishes in its
 * spool. The age of the newest verified backup comes from {@link VerificationMetrics}.
 */
@Component
public class FleetMetrics {

	private final MeterRegistry registry;

	private final VerificationMetrics verifications;

	private final Fleet fleet;

	private final Map<String, CatalogEntries.Backup> lastBackup = new ConcurrentHashMap<>();

	public FleetMetrics(MeterRegistry registry, VerificationMetrics verifications, Fleet fleet) {
		this.registry = registry;
		this.verifications = verifications;
		this.fleet = fleet;
	}

	/**
	 * Registers every series of every source at start, at zero, so that an alert sees the
	 * first failure of a job ({@code increase()} needs the series before it) and a source
	 * never backed up or never verified: its newest-backup timestamp is 0 for each backup
	 * type it has a schedule for.
	 */
	public void register(Map<String, RedoubtProperties.Source> sources) {
		sources.forEach((source, settings) -> {
			RedoubtProperties.Schedules schedules = settings.schedules();
			for (JobType job : JobType.values()) {
				if (job.cron(settings) != null) {
					runs(job, source, "succeeded");
					runs(job, source, "failed");
				}
			}
			if (schedules != null && schedules.logical() != null) {
				registerBackupGauges(source, "logical");
			}
			if (schedules != null && schedules.base() != null) {
				registerBackupGauges(source, "base");
			}
			if (schedules != null && schedules.verify() != null) {
				this.verifications.register(source);
			}
			Path spool = this.fleet.properties().service().walSpools().get(source);
			if (spool != null) {
				Gauge.builder("redoubt.wal.archive.lag", spool, FleetMetrics::walLag)
					.description("Age of the newest archived WAL file, as the archiver last published it (-1: none"
							+ " archived yet; NaN: no archiver publishes)")
					.tags("source", source)
					.baseUnit("seconds")
					.register(this.registry);
				FunctionCounter.builder("redoubt.wal.archive.failures", spool, FleetMetrics::walFailures)
					.description("Failed attempts to archive a WAL file, as the archiver last published them")
					.tags("source", source)
					.register(this.registry);
			}
		});
	}

	private void registerBackupGauges(String source, String type) {
		String key = source + "/" + type;
		Gauge.builder("redoubt.backup.last.success.timestamp", this, (m) -> m.last(key, "completed"))
			.description("When the newest backup of the source and type completed (epoch seconds; 0: never)")
			.tags("source", source, "type", type)
			.baseUnit("seconds")
			.register(this.registry);
		Gauge.builder("redoubt.backup.last.duration", this, (m) -> m.last(key, "duration"))
			.description("How long the newest backup of the source and type took")
			.tags("source", source, "type", type)
			.baseUnit("seconds")
			.register(this.registry);
		Gauge.builder("redoubt.backup.last.size", this, (m) -> m.last(key, "bytes"))
			.description("Bytes the newest backup of the source and type stored in each region")
			.tags("source", source, "type", type)
			.baseUnit("bytes")
			.register(this.registry);
	}

	/** Takes the newest backups and verification from a fresh catalog scan. */
	public void catalogued(CatalogEntries entries) {
		for (CatalogEntries.Backup backup : entries.backups()) {
			this.lastBackup.merge(entries.source() + "/" + backup.type(), backup,
					(old, candidate) -> candidate.completedAt().isAfter(old.completedAt()) ? candidate : old);
		}
		entries.verifications()
			.stream()
			.filter(CatalogEntries.Verification::verified)
			.map(CatalogEntries.Verification::backupId)
			.flatMap((id) -> entries.backups().stream().filter((backup) -> backup.id().equals(id)))
			.map(CatalogEntries.Backup::startedAt)
			.max(java.util.Comparator.naturalOrder())
			.ifPresent((taken) -> this.verifications.lastVerified(entries.source(), taken));
	}

	public void backedUp(JobType type, String source, BackupResult result) {
		Counter.builder("redoubt.backup.stored")
			.description("Bytes stored per region by the service's backups")
			.tags("source", source, "type", (type == JobType.BASE_BACKUP) ? "base" : "logical")
			.baseUnit("bytes")
			.register(this.registry)
			.increment(result.storedBytes());
		Counter.builder("redoubt.backup.uploaded")
			.description("Bytes the service's backups uploaded to each region: of the bytes stored, those no kept "
					+ "backup of the source held (with shared chunks)")
			.tags("source", source, "type", (type == JobType.BASE_BACKUP) ? "base" : "logical")
			.baseUnit("bytes")
			.register(this.registry)
			.increment(result.uploadedBytes());
	}

	public void succeeded(JobType type, String source) {
		runs(type, source, "succeeded").increment();
	}

	public void failed(JobType type, String source) {
		runs(type, source, "failed").increment();
	}

	private Counter runs(JobType type, String source, String outcome) {
		return Counter.builder("redoubt.job.runs")
			.description("Scheduled job runs, by outcome")
			.tags("source", source, "job", type.label(), "outcome", outcome)
			.register(this.registry);
	}

	private double last(String key, String what) {
		CatalogEntries.Backup backup = this.lastBackup.get(key);
		if (backup == null) {
			return "completed".equals(what) ? 0 : Double.NaN;
		}
		return switch (what) {
			case "completed" -> backup.completedAt().toEpochMilli() / 1000.0;
			case "duration" -> backup.durationMillis() / 1000.0;
			default -> backup.storedBytes();
		};
	}

	/**
	 * {@code redoubt_wal_archive_lag_seconds} from the archiver's {@code metrics.prom}.
	 */
	public static double walLag(Path spool) {
		return published(spool, "redoubt_wal_archive_lag_seconds", Double.NaN);
	}

	/**
	 * {@code redoubt_wal_archive_failures_total} from the archiver's {@code metrics.prom}
	 * (0 until it publishes one).
	 */
	static double walFailures(Path spool) {
		return published(spool, "redoubt_wal_archive_failures_total", 0);
	}

	private static double published(Path spool, String series, double unknown) {
		try {
			for (String line : Files.readAllLines(spool.resolve("metrics.prom"))) {
				if (line.startsWith(series + "{") || line.startsWith(series + " ")) {
					return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
				}
			}
		}
		catch (IOException | NumberFormatException ex) {
			// no archiver running, or mid-write: unknown
		}
		return unknown;
	}

}
