package dev.redoubt.restore.physical;

import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.core.wal.WalSpool;

/**
 * Serves {@code restore_command} ({@code wal-fetch --spool}) during a recovery. When
 * PostgreSQL asks for a segment, the next {@code ahead} segments of its timeline are
 * fetched too, in parallel, so replay does not wait for one GET at a time.
 *
 * <p>
 * What it answers decides whether recovery is right: "missing" only when the archive has
 * no such file and no later segment of that timeline (the true end of the archive); a
 * missing segment with later ones behind it is a gap, and any failure after retries is
 * "failed" (the client exits 255, PostgreSQL stops), never "missing", which would end
 * recovery early and silently.
 */
final class WalFetchServer implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(WalFetchServer.class);

	private static final int ATTEMPTS = 3;

	private final WalArchive archive;

	private final WalSpool spool;

	private final long segmentBytes;

	private final int ahead;

	private final ExecutorService fetchers;

	private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

	private final Map<String, Boolean> knownMissing = new ConcurrentHashMap<>();

	private final AtomicReference<RedoubtException> failure = new AtomicReference<>();

	private final AtomicInteger delivered = new AtomicInteger();

	private final AtomicInteger prefetched = new AtomicInteger();

	private final Thread loop;

	private volatile boolean running = true;

	private volatile List<String> listing;

	private volatile long listedAt;

	WalFetchServer(WalArchive archive, WalSpool spool, long segmentBytes, int ahead) {
		this.archive = archive;
		this.spool = spool;
		this.segmentBytes = segmentBytes;
		this.ahead = Math.max(0, ahead);
		this.fetchers = Executors.newFixedThreadPool(Math.max(2, this.ahead + 1), (task) -> {
			Thread thread = new Thread(task, "redoubt-wal-fetch");
			thread.setDaemon(true);
			return thread;
		});
		this.loop = new Thread(this::serve, "redoubt-wal-fetch-server");
		this.loop.setDaemon(true);
		this.loop.start();
	}

	/** The first error that made a fetch fail (a gap, an unreadable archive). */
	Optional<RedoubtException> failure() {
		return Optional.ofNullable(this.failure.get());
	}

	int delivered() {
		return this.delivered.get();
	}

	private void serve() {
		try (WatchService watch = this.spool.root().getFileSystem().newWatchService()) {
			this.spool.root().resolve("request").register(watch, StandardWatchEventKinds.ENTRY_CREATE);
			long nextBeat = 0;
			while (this.running) {
				long now = System.currentTimeMillis();
				if (now >= nextBeat) {
					this.spool.heartbeat();
					nextBeat = now + WalSpool.HEARTBEAT_MILLIS;
				}
				for (String name : this.spool.requests()) {
					if (!this.inFlight.contains(name) && !this.spool.exists("fetched", name)) {
						submit(name, true);
					}
					if (WalNames.isSegment(name)) {
						String next = name;
						for (int i = 0; i < this.ahead; i++) {
							next = WalNames.next(next, this.segmentBytes);
							if (!this.knownMissing.containsKey(next) && !this.spool.exists("fetched", next)) {
								submit(next, false);
							}
						}
					}
				}
				WatchKey key = watch.poll(20, TimeUnit.MILLISECONDS);
				if (key != null) {
					key.pollEvents();
					key.reset();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (java.io.IOException | RuntimeException ex) {
			log.error("the WAL fetch server stopped: {}", ex.toString());
			this.failure.compareAndSet(null,
					new RedoubtException(ErrorCode.INTERNAL, "the WAL fetch server stopped: " + ex.getMessage(), ex));
		}
	}

	private void submit(String name, boolean requested) {
		if (!this.inFlight.add(name)) {
			return;
		}
		this.fetchers.execute(() -> {
			try {
				fetch(name, requested);
			}
			finally {
				this.inFlight.remove(name);
			}
		});
	}

	private void fetch(String name, boolean requested) {
		RedoubtException last = null;
		for (int attempt = 1; attempt <= (requested ? ATTEMPTS : 1); attempt++) {
			try {
				Optional<byte[]> content = this.archive.fetch(name);
				if (content.isEmpty() && WalNames.isSegment(name) && laterSegment(name).isEmpty()) {
					// where the archive ends, what wal-stream received of the segment
					// being
					// written: a recovery to the latest point replays it too (a missing
					// segment before archived ones stays a gap)
					content = this.archive.fetchStreamed(name);
				}
				if (content.isPresent()) {
					this.spool.deliver(name, content.get());
					this.knownMissing.remove(name);
					(requested ? this.delivered : this.prefetched).incrementAndGet();
					if (requested) {
						this.spool.removeRequest(name);
					}
					log.debug("{} {}", requested ? "fetched" : "fetched ahead", name);
					return;
				}
				this.knownMissing.put(name, Boolean.TRUE);
				if (requested) {
					answerMissing(name);
				}
				return;
			}
			catch (RedoubtException ex) {
				last = ex;
				log.warn("fetching {} failed (attempt {}): {}", name, attempt, ex.getMessage());
				sleep(attempt * 500L);
			}
		}
		if (requested) {
			fail(name, last);
		}
	}

	/**
	 * The archive has no such file: the end of the archive, unless a later segment of the
	 * same timeline exists, which makes it a gap recovery cannot pass.
	 */
	private void answerMissing(String name) {
		if (WalNames.isSegment(name)) {
			Optional<String> later = laterSegment(name);
			if (later.isPresent()) {
				fail(name,
						new RedoubtException(ErrorCode.WAL_GAP,
								"WAL segment " + name + " is missing from the archive, which holds later segments ("
										+ later.get() + "): recovery cannot pass this gap",
								"repo-check reports the recoverable windows; recover to a point before the gap", null));
				return;
			}
		}
		this.spool.answer("missing", name, "");
		this.spool.removeRequest(name);
		log.debug("{} is not in the archive", name);
	}

	private Optional<String> laterSegment(String name) {
		long now = System.currentTimeMillis();
		if (this.listing == null || now - this.listedAt > 5000) {
			this.listing = this.archive.list().names();
			this.listedAt = now;
		}
		int timeline = WalNames.timeline(name);
		long number = WalNames.segmentNumber(name, this.segmentBytes);
		return this.listing.stream()
			.filter(WalNames::isSegment)
			.filter((other) -> WalNames.timeline(other) == timeline)
			.filter((other) -> WalNames.segmentNumber(other, this.segmentBytes) > number)
			.findFirst();
	}

	private void fail(String name, RedoubtException ex) {
		this.failure.compareAndSet(null, ex);
		this.spool.answer("failed", name, ex.getMessage().replace('\n', ' '));
		this.spool.removeRequest(name);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		this.running = false;
		this.loop.interrupt();
		this.fetchers.shutdownNow();
		log.debug("WAL fetch server: {} files delivered on request, {} fetched ahead", this.delivered.get(),
				this.prefetched.get());
	}

}
