package dev.redoubt.service.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;

/**
 * The archiving half of {@code wal-stream}: {@code pg_receivewal} writes the WAL it
 * receives into a directory (the segment being received as {@code <segment>.partial},
 * zero-padded to the segment's size, renamed to {@code <segment>} once complete); each
 * {@link #pass} stores what is new there in every region.
 * <ul>
 * <li>A complete segment (or timeline history) is pushed to the archive like any archived
 * WAL file (write-once, the same durability contract: it counts once every region holds
 * it); only then is the local file deleted, with the segment's streamed snapshots.</li>
 * <li>The segment being received is stored as a snapshot when it grew since the last one
 * ({@link WalArchive.Writer#pushStreamed}); once the new one is in every region, the
 * previous one is deleted. A recovery to the latest point replays the newest snapshot
 * where the archive ends, which makes the RPO the pass interval plus an upload, not
 * {@code archive_timeout}.</li>
 * </ul>
 * Nothing is lost if this process dies: a local file is deleted only after every region
 * holds it, and the replication slot keeps on the server whatever {@code pg_receivewal}
 * has not written to this directory yet.
 */
public final class WalStreamer {

	private static final Logger log = LoggerFactory.getLogger(WalStreamer.class);

	private final WalArchive archive;

	private final WalArchive.Writer writer;

	private final Path directory;

	private final StreamMetrics metrics;

	/** Snapshots in the store from earlier runs, deleted once they are superseded. */
	private final List<WalArchive.Streamed> leftovers;

	/** The newest snapshot this process stored, or {@code null}. */
	private WalArchive.Streamed current;

	public WalStreamer(WalArchive archive, WalArchive.Writer writer, Path directory, StreamMetrics metrics) {
		this.archive = archive;
		this.writer = writer;
		this.directory = directory;
		this.metrics = metrics;
		this.leftovers = new ArrayList<>(archive.streamed(null));
	}

	/**
	 * Keeps {@code pg_receivewal} running and stores what it receives every
	 * {@code every}, until {@code keepGoing} says stop; then stops it and stores what it
	 * wrote last. Warns (once a minute) when the server keeps more than
	 * {@code warnSlotLagAbove} bytes of WAL for the slot, or has invalidated it.
	 */
	public void run(WalReceiver receiver, Duration every, long warnSlotLagAbove, BooleanSupplier keepGoing) {
		long nextWarning = 0;
		while (keepGoing.getAsBoolean()) {
			this.metrics.receiving(receiver.keepRunning());
			pass();
			WalReceiver.SlotState state = receiver.slotState();
			if (state != null) {
				this.metrics.server(state.serverPosition(), state.restartPosition(), state.safeBytes(), state.lost());
				long now = System.currentTimeMillis();
				if (now >= nextWarning && (this.metrics.slotLagBytes() > warnSlotLagAbove || state.lost()
						|| state.walStatus() == null)) {
					warn(receiver.slot(), state, this.metrics.slotLagBytes(), warnSlotLagAbove);
					nextWarning = now + 60_000;
				}
			}
			this.metrics.publish();
			try {
				Thread.sleep(every.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		receiver.close();
		this.metrics.receiving(false);
		pass();
		this.metrics.publish();
	}

	/**
	 * Stores what is new in the directory; a failure is logged and counted, and the file
	 * is tried again on the next pass.
	 */
	public void pass() {
		List<String> complete = new ArrayList<>();
		String partial = null;
		try (Stream<Path> files = Files.list(this.directory)) {
			for (String name : files.map((file) -> file.getFileName().toString()).sorted().toList()) {
				if (WalNames.isSegment(name) || WalNames.isHistory(name)) {
					complete.add(name);
				}
				else if (name.endsWith(".partial") && WalNames.isSegment(name.substring(0, 24))) {
					partial = name;
				}
			}
		}
		catch (IOException ex) {
			fail("cannot list " + this.directory, ex);
			return;
		}
		for (String name : complete) {
			if (!archiveComplete(name)) {
				return;
			}
		}
		if (partial != null) {
			snapshot(partial);
		}
	}

	private boolean archiveComplete(String name) {
		Path file = this.directory.resolve(name);
		try {
			byte[] content = Files.readAllBytes(file);
			this.writer.push(name, content, content.length);
			if (WalNames.isSegment(name)) {
				supersede(name);
				this.metrics.uploaded(true, start(name, content.length) + content.length);
			}
			Files.delete(file);
			log.debug("archived {} ({} bytes)", name, content.length);
			return true;
		}
		catch (IOException | RedoubtException ex) {
			fail("cannot archive " + name, ex);
			return false;
		}
	}

	/** Deletes every snapshot of {@code segment} and of earlier segments. */
	private void supersede(String segment) {
		List<WalArchive.Streamed> stale = new ArrayList<>();
		if (this.current != null && this.current.segment().compareTo(segment) <= 0) {
			stale.add(this.current);
			this.current = null;
		}
		this.leftovers.removeIf((old) -> old.segment().compareTo(segment) <= 0 && stale.add(old));
		for (WalArchive.Streamed old : stale) {
			this.archive.deleteStreamed(old);
		}
	}

	private void snapshot(String partial) {
		Path file = this.directory.resolve(partial);
		String segment = partial.substring(0, 24);
		try {
			// read every pass: a write within the file system's timestamp tick after the
			// last read would leave the modification time as it was
			byte[] content = Files.readAllBytes(file);
			long valid = validBytes(content);
			if (valid == 0 || (this.current != null && this.current.segment().equals(segment)
					&& this.current.validBytes() >= valid)) {
				return;
			}
			String name = this.writer.pushStreamed(segment, content, content.length, valid);
			WalArchive.Streamed previous = this.current;
			this.current = WalArchive.Streamed.parse(name).orElseThrow();
			this.metrics.uploaded(false, start(segment, content.length) + valid);
			if (previous != null) {
				this.archive.deleteStreamed(previous);
			}
			log.debug("streamed {}", name);
		}
		catch (java.nio.file.NoSuchFileException ex) {
			// completed and renamed meanwhile: the next pass archives it whole
		}
		catch (IOException | RedoubtException ex) {
			fail("cannot store a snapshot of " + partial, ex);
		}
	}

	private static void warn(String slot, WalReceiver.SlotState state, long lag, long warnAbove) {
		if (state.walStatus() == null) {
			log.warn("the replication slot {} does not exist (dropped?): WAL is not kept for this stream", slot);
		}
		else if (state.lost()) {
			log.error("the server invalidated the replication slot {} (max_slot_wal_keep_size): WAL was removed "
					+ "before it was received; the archive has a gap: take a base backup", slot);
		}
		else {
			log.warn(
					"the server keeps {} of WAL for the slot {} (more than {}): the stream is behind, and the "
							+ "source's disk fills{}",
					human(lag), slot, human(warnAbove),
					(state.safeBytes() >= 0) ? "; " + human(state.safeBytes()) + " until the slot is invalidated"
							: "; set max_slot_wal_keep_size to bound it");
		}
	}

	private static String human(long bytes) {
		return org.springframework.util.unit.DataSize.ofBytes(bytes).toMegabytes() + " MB";
	}

	/**
	 * How many of a zero-padded segment's bytes pg_receivewal wrote: up to its last byte
	 * that is not zero (a record cut short there is what recovery takes for the end).
	 */
	static long validBytes(byte[] content) {
		int end = content.length;
		while (end > 0 && content[end - 1] == 0) {
			end--;
		}
		return end;
	}

	/** The LSN at which a segment of that size starts. */
	private static long start(String segment, long segmentBytes) {
		return WalNames.segmentNumber(segment, segmentBytes) * segmentBytes;
	}

	private void fail(String what, Exception ex) {
		this.metrics.failed();
		String reason = (ex instanceof RedoubtException redoubt) ? redoubt.getMessage() : ex.toString();
		log.warn("{}: {} (tried again on the next pass)", what, reason);
	}

}
