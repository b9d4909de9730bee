package dev.redoubt.service.wal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;

import dev.redoubt.core.wal.WalNames;

/**
 * The archiver's meters, in a Prometheus registry that is written to
 * {@code <spool>/metrics.prom} every second (the node exporter's textfile collector reads
 * such files). {@code redoubt_wal_archive_lag_seconds} is the basis of RPO alerts: how
 * long ago the newest archived WAL file was written by PostgreSQL.
 */
public final class ArchiveMetrics {

	private final MetricsFile metrics;

	private final io.micrometer.core.instrument.MeterRegistry registry;

	private String newestName = "";

	private final AtomicLong newestWrittenAt = new AtomicLong(0);

	private final AtomicLong pending = new AtomicLong();

	private final Counter archived;

	private final Counter failures;

	private final DistributionSummary bytes;

	private final Timer uploadTime;

	public ArchiveMetrics(String source, Path file) {
		this.metrics = new MetricsFile(file);
		this.registry = this.metrics.registry();
		Gauge.builder("redoubt.wal.archive.lag", this, ArchiveMetrics::lagSeconds)
			.tag("source", source)
			.baseUnit("seconds")
			.description("Age of the newest archived WAL file (since PostgreSQL finished writing it)")
			.register(this.registry);
		Gauge.builder("redoubt.wal.archive.pending", this.pending, AtomicLong::get)
			.tag("source", source)
			.description("WAL files PostgreSQL marked ready that are not archived yet")
			.register(this.registry);
		this.archived = Counter.builder("redoubt.wal.archived")
			.tag("source", source)
			.description("WAL files stored in every region")
			.register(this.registry);
		this.failures = Counter.builder("redoubt.wal.archive.failures")
			.tag("source", source)
			.description("Failed attempts to archive a WAL file")
			.register(this.registry);
		this.bytes = DistributionSummary.builder("redoubt.wal.archived.bytes")
			.tag("source", source)
			.baseUnit("bytes")
			.register(this.registry);
		this.uploadTime = Timer.builder("redoubt.wal.archive.upload").tag("source", source).register(this.registry);
	}

	/** Seconds since the newest archived file was written; -1 before the first. */
	public double lagSeconds() {
		long at = this.newestWrittenAt.get();
		return (at == 0) ? -1 : Math.max(0, (System.currentTimeMillis() - at) / 1000.0);
	}

	void archived(String name, long writtenAtMillis, long size, long nanos) {
		this.archived.increment();
		this.bytes.record(size);
		this.uploadTime.record(nanos, TimeUnit.NANOSECONDS);
		if (WalNames.isSegment(name)) {
			// names sort by timeline, then position
			synchronized (this) {
				if (name.compareTo(this.newestName) > 0) {
					this.newestName = name;
					this.newestWrittenAt.set(writtenAtMillis);
				}
			}
		}
	}

	void failed() {
		this.failures.increment();
	}

	void pending(long count) {
		this.pending.set(count);
	}

	/** The registry's text, as {@code /metrics} would serve it. */
	public String scrape() {
		return this.metrics.scrape();
	}

	void publish() {
		this.metrics.publish();
	}

}
