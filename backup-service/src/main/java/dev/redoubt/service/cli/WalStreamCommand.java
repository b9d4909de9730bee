package dev.redoubt.service.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.wal.StreamMetrics;
import dev.redoubt.service.wal.WalReceiver;
import dev.redoubt.service.wal.WalStreamer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redoubt wal-stream}: WAL received over a physical replication slot into the
 * source's archive, the segment being written stored every {@code --interval}.
 */
@Command(name = "wal-stream", mixinStandardHelpOptions = true,
		description = {
				"Receive a cluster's WAL over a replication slot (pg_receivewal) and archive it to every "
						+ "region, continuously, until stopped (SIGTERM).",
				"Complete segments are archived as wal-push archives them (write-once, durable once every region "
						+ "holds them); the segment being received is stored every --interval, so that a recovery to "
						+ "the latest point loses seconds, not archive_timeout.",
				"The slot keeps WAL on the server until it is received: watch redoubt_wal_stream_slot_lag_bytes "
						+ "and set max_slot_wal_keep_size. Meters are written to DIR/metrics.prom every pass." },
		footerHeading = "%nExit status:%n", footer = { ExitCodes.TEXT })
public class WalStreamCommand implements Callable<Integer> {

	private static final Logger log = LoggerFactory.getLogger(WalStreamCommand.class);

	@Option(names = "--source", required = true, paramLabel = "NAME", description = "Source the cluster belongs to.")
	String source;

	@Option(names = "--dir", required = true, paramLabel = "DIR",
			description = "Where pg_receivewal writes (created if missing; keep it on persistent disk: a file "
					+ "is deleted only once every region holds it).")
	Path directory;

	@Option(names = "--slot", paramLabel = "NAME",
			description = "The physical replication slot (created if missing); default redoubt_<source>.")
	String slot;

	@Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
			description = "How often the segment being received is stored (default ${DEFAULT-VALUE}); each store "
					+ "is one PUT per region.")
	String interval;

	@Option(names = "--max-slot-lag", paramLabel = "SIZE", defaultValue = "1GB",
			description = "Warn when the server keeps more WAL than this for the slot (default ${DEFAULT-VALUE}).")
	String maxSlotLag;

	private final Fleet fleet;

	public WalStreamCommand(Fleet fleet) {
		this.fleet = fleet;
	}

	@Override
	public Integer call() throws IOException {
		this.fleet.requireSource(this.source);
		Duration every = Output.duration("--interval", this.interval);
		long warnAbove = size("--max-slot-lag", this.maxSlotLag);
		String slotName = (this.slot != null) ? WalReceiver.requireSlotName(this.slot)
				: WalReceiver.defaultSlot(this.source);
		Path dir = Files.createDirectories(this.directory.toAbsolutePath(),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		try (FileChannel lockFile = FileChannel.open(dir.resolve(".redoubt-wal-stream.lock"), StandardOpenOption.CREATE,
				StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
			if (lock == null) {
				throw new RedoubtException(ErrorCode.SOURCE_BUSY,
						"another wal-stream receives into " + dir + "; two would archive the same files");
			}
			try (Repository repository = this.fleet.openRepository(this.source);
					WalReceiver receiver = new WalReceiver(this.fleet.source(this.source), dir, slotName)) {
				receiver.createSlot();
				WalArchive archive = new WalArchive(repository, this.source);
				StreamMetrics metrics = new StreamMetrics(this.source, dir.resolve("metrics.prom"));
				WalStreamer streamer = new WalStreamer(archive,
						archive.writer(this.fleet.backupSettings(this.source).compressionLevel()), dir, metrics);
				log.info("streaming WAL of source {} on slot {} through {}, storing every {} ms", this.source, slotName,
						dir, every.toMillis());
				try (UntilStopped life = new UntilStopped("redoubt-wal-stream")) {
					streamer.run(receiver, every, warnAbove, life::running);
				}
			}
		}
		log.info("wal-stream of source {} stopped", this.source);
		return 0;
	}

	private static long size(String option, String text) {
		try {
			long bytes = DataSize.parse(text.trim()).toBytes();
			if (bytes <= 0) {
				throw new IllegalArgumentException("not positive");
			}
			return bytes;
		}
		catch (IllegalArgumentException ex) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID,
					option + " '" + text + "' is not a size such as 512MB or 1GB");
		}
	}

}
