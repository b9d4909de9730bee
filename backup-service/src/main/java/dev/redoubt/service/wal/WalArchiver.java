package dev.redoubt.service.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.repository.CrashPoint;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.core.wal.WalSpool;

/**
 * The long-lived half of {@code archive_command}: takes the files that {@code wal-push}
 * hands over through the spool, stores each in every region and answers. It also reads
 * ahead: every file PostgreSQL has marked ready ({@code pg_wal/archive_status/*.ready})
 * is uploaded, several at a time, before PostgreSQL asks for it, so {@code wal-push}
 * usually finds its answer waiting and returns at once. PostgreSQL itself calls
 * {@code archive_command} for one file at a time.
 *
 * <p>
 * Nothing is lost when this process dies: PostgreSQL keeps a file in {@code pg_wal} until
 * {@code wal-push} returned 0 for it, which happens only after every region holds it.
 */
public final class WalArchiver {

	private static final Logger log = LoggerFactory.getLogger(WalArchiver.class);

	/**
	 * A file whose upload failed is tried ahead again after this long (requests at once).
	 */
	private static final long RETRY_MILLIS = 2000;

	/** Answers older than this are removed; a later request simply uploads again. */
	private static final long ANSWER_MAX_AGE_MILLIS = 10 * 60 * 1000;

	private final WalArchive.Writer writer;

	private final WalSpool spool;

	private final int jobs;

	private final ArchiveMetrics metrics;

	private final ExecutorService uploads;

	private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

	private final Map<String, Long> retryAt = new ConcurrentHashMap<>();

	private final AtomicLong readAhead = new AtomicLong();

	private final CrashPoint crashPoint = CrashPoint.fromSystemProperty();

	private volatile Path walDirectory;

	public WalArchiver(WalArchive.Writer writer, WalSpool spool, Path walDirectory, int jobs, ArchiveMetrics metrics) {
		this.writer = writer;
		this.spool = spool;
		this.walDirectory = walDirectory;
		this.jobs = Math.max(1, jobs);
		this.metrics = metrics;
		this.uploads = Executors.newFixedThreadPool(this.jobs + 1, (task) -> {
			Thread thread = new Thread(task, "redoubt-wal-upload");
			thread.setDaemon(true);
			return thread;
		});
	}

	/** Serves until {@code keepGoing} says stop, then waits for uploads under way. */
	public void run(BooleanSupplier keepGoing) throws InterruptedException, IOException {
		// inotify wakes the loop the moment wal-push writes a request
		try (java.nio.file.WatchService watch = this.spool.root().getFileSystem().newWatchService()) {
			this.spool.root().resolve("request").register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
			serve(keepGoing, watch);
		}
	}

	private void serve(BooleanSupplier keepGoing, java.nio.file.WatchService watch) throws InterruptedException {
		long nextBeat = 0;
		long nextScan = 0;
		long nextSweep = System.currentTimeMillis() + 60_000;
		while (keepGoing.getAsBoolean()) {
			long now = System.currentTimeMillis();
			if (now >= nextBeat) {
				this.spool.heartbeat();
				this.metrics.publish();
				nextBeat = now + WalSpool.HEARTBEAT_MILLIS;
			}
			for (String name : this.spool.requests()) {
				this.spool.request(name).ifPresent((path) -> submit(name, Path.of(path), true));
			}
			if (now >= nextScan && this.walDirectory != null) {
				readAhead(now);
				nextScan = now + 100;
			}
			if (now >= nextSweep) {
				this.spool.sweep("done", ANSWER_MAX_AGE_MILLIS);
				this.spool.sweep("failed", ANSWER_MAX_AGE_MILLIS);
				nextSweep = now + 60_000;
			}
			java.nio.file.WatchKey key = watch.poll(20, TimeUnit.MILLISECONDS);
			if (key != null) {
				key.pollEvents();
				key.reset();
			}
		}
		this.uploads.shutdown();
		this.uploads.awaitTermination(60, TimeUnit.SECONDS);
		this.metrics.publish();
	}

	/** Uploads what PostgreSQL marked ready and nobody archived yet, oldest first. */
	private void readAhead(long now) {
		Path status = this.walDirectory.resolve("archive_status");
		List<String> ready = new ArrayList<>();
		try (Stream<Path> files = Files.list(status)) {
			files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(".ready"))
				.map((name) -> name.substring(0, name.length() - ".ready".length()))
				.filter(WalNames::isWalFileName)
				.sorted()
				.forEach(ready::add);
		}
		catch (IOException ex) {
			log.warn("cannot read {}: {}", status, ex.getMessage());
			return;
		}
		this.metrics.pending(ready.size());
		for (String name : ready) {
			if (this.readAhead.get() >= this.jobs) {
				return;
			}
			if (this.retryAt.getOrDefault(name, 0L) > now || this.spool.exists("done", name)) {
				continue;
			}
			submit(name, this.walDirectory.resolve(name), false);
		}
	}

	private void submit(String name, Path file, boolean requested) {
		if (!this.inFlight.add(name)) {
			return;
		}
		if (requested && this.walDirectory == null && file.getParent() != null
				&& Files.isDirectory(file.getParent().resolve("archive_status"))) {
			// learn where pg_wal is from the first request, and read ahead from then on
			this.walDirectory = file.getParent();
			log.info("archiving ahead from {}", this.walDirectory);
		}
		if (!requested) {
			this.readAhead.incrementAndGet();
		}
		this.uploads.execute(() -> {
			try {
				archive(name, file, requested);
			}
			finally {
				this.inFlight.remove(name);
				if (!requested) {
					this.readAhead.decrementAndGet();
				}
			}
		});
	}

	private void archive(String name, Path file, boolean requested) {
		long started = System.nanoTime();
		try {
			String stamp = WalSpool.stamp(file);
			byte[] content = Files.readAllBytes(file);
			if (requested) {
				this.crashPoint.reached(CrashPoint.WAL_AFTER_RECEIPT);
			}
			boolean stored = this.writer.push(name, content, content.length);
			// the file is unchanged since it was stamped, or the stamp would not match
			this.spool.answer("done", name, stamp);
			this.retryAt.remove(name);
			this.metrics.archived(name, Files.getLastModifiedTime(file).toMillis(), content.length,
					System.nanoTime() - started);
			log.debug("{} {} ({} bytes) in {} ms{}", stored ? "archived" : "already archived", name, content.length,
					(System.nanoTime() - started) / 1_000_000, requested ? "" : " ahead");
		}
		catch (java.nio.file.NoSuchFileException ex) {
			// archived and recycled meanwhile, or a request for a file PostgreSQL has not
			// got
			if (requested) {
				this.spool.answer("failed", name, "no such file: " + file);
			}
		}
		catch (IOException | RedoubtException ex) {
			this.retryAt.put(name, System.currentTimeMillis() + RETRY_MILLIS);
			this.metrics.failed();
			String reason = (ex instanceof RedoubtException redoubt) ? redoubt.getMessage() : ex.toString();
			log.warn("cannot archive {}: {}", name, reason);
			this.spool.answer("failed", name, reason.replace('\n', ' '));
		}
		finally {
			if (requested) {
				this.spool.removeRequest(name);
			}
		}
	}

}
