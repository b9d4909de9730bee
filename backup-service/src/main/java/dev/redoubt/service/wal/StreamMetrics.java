package dev.redoubt.service.wal;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of {@code wal-stream}, written to {@code
 *
<dir>
 * /metrics.prom} every pass. A position is an LSN as a number of bytes; -1 means not
 * known yet.
 * <ul>
 * <li>{@code redoubt_wal_stream_lag_bytes}: WAL the server wrote that no region holds yet
 * (the RPO in bytes);</li>
 * <li>{@code redoubt_wal_stream_slot_lag_bytes}: WAL the server keeps for the replication
 * slot (its disk at stake when the stream falls behind);</li>
 * <li>{@code redoubt_wal_stream_slot_safe_bytes}: what the server may still write before
 * the slot is invalidated ({@code max_slot_wal_keep_size}; -1 when unlimited);</li>
 * <li>{@code redoubt_wal_stream_slot_lost}: 1 once the server has invalidated the
 * slot;</li>
 * <li>{@code redoubt_wal_stream_receiving}: 1 while {@code pg_receivewal} runs;</li>
 * <li>{@code redoubt_wal_stream_archived_position_bytes}, the uploads and failures.</li>
 * </ul>
 */
public final class StreamMetrics {

	private final MetricsFile metrics;

	private final AtomicLong serverPosition = new AtomicLong(-1);

	private final AtomicLong archivedPosition = new AtomicLong(-1);

	private final AtomicLong slotRestart = new AtomicLong(-1);

	private final AtomicLong slotSafe = new AtomicLong(-1);

	private final AtomicLong slotLost = new AtomicLong();

	private final AtomicLong receiving = new AtomicLong();

	private final AtomicLong lastUpload = new AtomicLong();

	private final Counter segments;

	private final Counter snapshots;

	private final Counter failures;

	public StreamMetrics(String source, Path file) {
		this.metrics = new MetricsFile(file);
		MeterRegistry registry = this.metrics.registry();
		Gauge.builder("redoubt.wal.stream.lag", this, StreamMetrics::lagBytes)
			.tag("source", source)
			.baseUnit("bytes")
			.description("WAL the server wrote that is not in every region yet")
			.register(registry);
		Gauge.builder("redoubt.wal.stream.slot.lag", this, StreamMetrics::slotLagBytes)
			.tag("source", source)
			.baseUnit("bytes")
			.description("WAL the server keeps for the replication slot")
			.register(registry);
		Gauge.builder("redoubt.wal.stream.slot.safe", this.slotSafe, AtomicLong::get)
			.tag("source", source)
			.baseUnit("bytes")
			.description("WAL the server may still write before it invalidates the slot (-1: unlimited)")
			.register(registry);
		Gauge.builder("redoubt.wal.stream.slot.lost", this.slotLost, AtomicLong::get)
			.tag("source", source)
			.description("1 once the server invalidated the slot (max_slot_wal_keep_size)")
			.register(registry);
		Gauge.builder("redoubt.wal.stream.receiving", this.receiving, AtomicLong::get)
			.tag("source", source)
			.description("1 while pg_receivewal runs")
			.register(registry);
		Gauge.builder("redoubt.wal.stream.archived.position", this.archivedPosition, AtomicLong::get)
			.tag("source", source)
			.baseUnit("bytes")
			.description("The WAL position every region holds, as a number (LSN)")
			.register(registry);
		Gauge.builder("redoubt.wal.stream.last.upload", this.lastUpload, (at) -> at.get() / 1000.0)
			.tag("source", source)
			.baseUnit("seconds")
			.description("When the last segment or snapshot reached every region (Unix time; 0: never)")
			.register(registry);
		this.segments = Counter.builder("redoubt.wal.stream.uploads")
			.tag("source", source)
			.tag("kind", "segment")
			.description("Complete WAL files stored in every region")
			.register(registry);
		this.snapshots = Counter.builder("redoubt.wal.stream.uploads")
			.tag("source", source)
			.tag("kind", "snapshot")
			.description("Snapshots of the segment being received stored in every region")
			.register(registry);
		this.failures = Counter.builder("redoubt.wal.stream.failures")
			.tag("source", source)
			.description("Failed uploads (tried again on the next pass)")
			.register(registry);
	}

	public long lagBytes() {
		long server = this.serverPosition.get();
		long archived = this.archivedPosition.get();
		return (server < 0 || archived < 0) ? -1 : Math.max(0, server - archived);
	}

	public long slotLagBytes() {
		long server = this.serverPosition.get();
		long restart = this.slotRestart.get();
		return (server < 0 || restart < 0) ? -1 : Math.max(0, server - restart);
	}

	public long archivedPosition() {
		return this.archivedPosition.get();
	}

	void server(long position, long slotRestart, long slotSafe, boolean lost) {
		this.serverPosition.set(position);
		this.slotRestart.set(slotRestart);
		this.slotSafe.set(slotSafe);
		this.slotLost.set(lost ? 1 : 0);
	}

	void receiving(boolean running) {
		this.receiving.set(running ? 1 : 0);
	}

	void uploaded(boolean segment, long position) {
		(segment ? this.segments : this.snapshots).increment();
		this.archivedPosition.accumulateAndGet(position, Math::max);
		this.lastUpload.set(System.currentTimeMillis());
	}

	void failed() {
		this.failures.increment();
	}

	String scrape() {
		return this.metrics.scrape();
	}

	void publish() {
		this.metrics.publish();
	}

}
