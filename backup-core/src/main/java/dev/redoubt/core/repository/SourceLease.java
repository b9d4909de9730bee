package dev.redoubt.core.repository;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.process.ProcessIdentity;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;

/**
 * The right to write a source's backups, held by one process at a time: a lease in the
 * repository's first region, with an expiry and a fencing token.
 *
 * <pre>
 * &lt;source&gt;/lease/&lt;token&gt;/000000    taken: the holder (host, pid, purpose) and the lease's time to live
 * &lt;source&gt;/lease/&lt;token&gt;/000001…   renewals, one every quarter of the time to live
 * &lt;source&gt;/lease/&lt;token&gt;/released  given back
 * </pre>
 *
 * <p>
 * The highest token is the lease. It is held while it is not released, its holder is not
 * known dead, and its newest object is younger than its time to live. Ages are measured
 * on the store's clock (object times against the store's current time), never on the
 * holder's or the reader's, so a clock that jumps on either side neither expires a live
 * lease nor keeps a dead one. A holder is known dead when the reader runs on the same
 * machine (boot id and PID namespace) and the holder's process is gone: a backup killed
 * with {@code kill -9} does not block the next one for a whole time to live.
 *
 * <p>
 * Taking the lease creates the object of the next token, which the store creates only if
 * it does not exist: of two processes that found the lease free at the same moment, one
 * wins. A holder proves it still holds the lease before it commits ({@link #requireHeld})
 * and the token then fences out a holder that stalled past its expiry: it finds a higher
 * token, or its own lease expired, and refuses to commit.
 */
public final class SourceLease implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(SourceLease.class);

	/** The default time to live; renewed every quarter of it. */
	public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

	static final String RELEASED = "released";

	private final ObjectStore home;

	private final String source;

	private final long token;

	private final Duration ttl;

	private final AtomicInteger renewals = new AtomicInteger();

	private final ScheduledExecutorService renewer;

	private volatile boolean closed;

	private SourceLease(ObjectStore home, String source, long token, Duration ttl) {
		this.home = home;
		this.source = source;
		this.token = token;
		this.ttl = ttl;
		this.renewer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "redoubt-lease-" + source);
			thread.setDaemon(true);
			return thread;
		});
		long period = Math.max(1, ttl.toMillis() / 4);
		this.renewer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
	}

	public static String prefix(String source) {
		return source + "/lease/";
	}

	static String key(String source, long token, String name) {
		return prefix(source) + String.format("%012d", token) + "/" + name;
	}

	/**
	 * Takes the lease of {@code source} in {@code home} for {@code purpose}.
	 * @throws RedoubtException {@code SOURCE_BUSY} naming the holder if another process
	 * holds it
	 */
	public static SourceLease acquire(ObjectStore home, String source, String purpose, Duration ttl) {
		State state = State.read(home, source);
		if (state.held()) {
			throw busy(source, state, null);
		}
		long token = state.token() + 1;
		Holder holder = Holder.current(purpose, ttl);
		byte[] bytes = ManifestCodec.json().writeValueAsString(holder).getBytes(StandardCharsets.UTF_8);
		try {
			home.create(key(source, token, "000000"), bytes);
		}
		catch (RedoubtException ex) {
			if (ex.code() != ErrorCode.OBJECT_EXISTS) {
				throw ex;
			}
			throw busy(source, State.read(home, source), "another process took it at the same moment");
		}
		SourceLease lease = new SourceLease(home, source, token, ttl);
		state.objects().stream().filter((object) -> tokenOf(source, object) < token).forEach((object) -> {
			try {
				home.delete(object.key());
			}
			catch (RedoubtException ex) {
				log.warn("cannot remove the old lease object {}: {}", object.key(), ex.getMessage());
			}
		});
		log.debug("lease of {} taken: token {}, {}", source, token, holder);
		return lease;
	}

	/** Whether anyone holds the lease of {@code source} now, and who. */
	public static State state(ObjectStore home, String source) {
		return State.read(home, source);
	}

	public long token() {
		return this.token;
	}

	/**
	 * Proves the lease is still this holder's: its token is the highest, it is not
	 * released, and it has not expired on the store's clock.
	 * @throws RedoubtException {@code SOURCE_BUSY} if it is not
	 */
	public void requireHeld() {
		State state = State.read(this.home, this.source);
		if (state.token() != this.token) {
			throw new RedoubtException(ErrorCode.SOURCE_BUSY,
					"the lease of source " + this.source + " was taken over (token " + state.token() + " by "
							+ state.describeHolder() + ") while this backup held token " + this.token
							+ ": it stalled past the lease's expiry; nothing of it is committed",
					"the other run's backup stands; this run's leftovers are removed by retention", null);
		}
		if (!state.held()) {
			throw new RedoubtException(ErrorCode.SOURCE_BUSY,
					"the lease of source " + this.source + " (token " + this.token + ") expired while this backup ran"
							+ " (no renewal for " + this.ttl.toSeconds()
							+ " s): another writer may have started; nothing of it is committed",
					"run the backup again; if it stalls, check the connection to region " + this.home.name(), null);
		}
	}

	private void renew() {
		if (this.closed) {
			return;
		}
		String name = String.format("%06d", this.renewals.incrementAndGet());
		try {
			this.home.create(key(this.source, this.token, name), new byte[0]);
		}
		catch (RuntimeException ex) {
			log.warn("cannot renew the lease of source {} in region {}: {}", this.source, this.home.name(),
					ex.getMessage());
		}
	}

	/** Gives the lease back and removes its renewals. */
	@Override
	public void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		this.renewer.shutdownNow();
		try {
			this.renewer.awaitTermination(10, TimeUnit.SECONDS);
			this.home.create(key(this.source, this.token, RELEASED), new byte[0]);
			for (int i = 1; i <= this.renewals.get(); i++) {
				this.home.delete(key(this.source, this.token, String.format("%06d", i)));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RedoubtException ex) {
			// not released: it expires after its time to live, or at once for a reader
			// that
			// sees this process gone
			log.warn("cannot release the lease of source {} in region {}: {}", this.source, this.home.name(),
					ex.getMessage());
		}
	}

	private static RedoubtException busy(String source, State state, String how) {
		return new RedoubtException(ErrorCode.SOURCE_BUSY,
				"source " + source + " is busy: " + state.describeHolder() + " holds its lease (token " + state.token()
						+ ((how != null) ? ", " + how : "") + "); a source is backed up by one process at a time",
				"wait for that run to end, or, if it died on another machine, for its lease to expire ("
						+ state.ttlSeconds() + " s after its last renewal)",
				null);
	}

	private static long tokenOf(String source, ObjectInfo object) {
		String rest = object.key().substring(prefix(source).length());
		int slash = rest.indexOf('/');
		try {
			return (slash > 0) ? Long.parseLong(rest.substring(0, slash)) : -1;
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	/**
	 * The lease as read from the store: its token (0 if never taken), whether it is held,
	 * and who took it.
	 */
	public record State(long token, boolean held, Holder holder, List<ObjectInfo> objects) {

		static State read(ObjectStore home, String source) {
			List<ObjectInfo> objects = home.list(prefix(source));
			Map<Long, List<ObjectInfo>> byToken = new TreeMap<>();
			for (ObjectInfo object : objects) {
				long token = tokenOf(source, object);
				if (token >= 0) {
					byToken.computeIfAbsent(token, (k) -> new ArrayList<>()).add(object);
				}
			}
			if (byToken.isEmpty()) {
				return new State(0, false, null, objects);
			}
			long token = ((TreeMap<Long, List<ObjectInfo>>) byToken).lastKey();
			List<ObjectInfo> mine = byToken.get(token);
			Holder holder = home.read(key(source, token, "000000")).flatMap(Holder::parse).orElse(null);
			boolean released = mine.stream().anyMatch((object) -> object.key().endsWith("/" + RELEASED));
			if (released || (holder != null && holder.knownDead())) {
				return new State(token, false, holder, objects);
			}
			Instant newest = mine.stream()
				.map(ObjectInfo::lastModified)
				.filter(java.util.Objects::nonNull)
				.max(Instant::compareTo)
				.orElse(null);
			long ttl = (holder != null) ? holder.ttlSeconds() : DEFAULT_TTL.toSeconds();
			boolean fresh = newest == null || home.serverTime().isBefore(newest.plusSeconds(ttl));
			return new State(token, fresh, holder, objects);
		}

		String describeHolder() {
			return (this.holder != null) ? this.holder.toString() : "an unknown process";
		}

		long ttlSeconds() {
			return (this.holder != null) ? this.holder.ttlSeconds() : DEFAULT_TTL.toSeconds();
		}

	}

	/**
	 * Who took a lease: what for, where (host, the machine's boot id and PID namespace),
	 * which process (PID and its start), and the time to live it renews within.
	 */
	@JsonIgnoreProperties(ignoreUnknown = true)
	public record Holder(String purpose, String host, String machine, long pid, String processStart, long ttlSeconds) {

		static Holder current(String purpose, Duration ttl) {
			ProcessIdentity self = ProcessIdentity.current();
			return new Holder(purpose, ProcessIdentity.hostName(), self.machine(), self.pid(), self.processStart(),
					ttl.toSeconds());
		}

		static Optional<Holder> parse(byte[] bytes) {
			try {
				return Optional.of(ManifestCodec.json().readValue(bytes, Holder.class));
			}
			catch (RuntimeException ex) {
				return Optional.empty();
			}
		}

		/**
		 * True only when the holder is known dead on this machine
		 * ({@link ProcessIdentity}).
		 */
		boolean knownDead() {
			return new ProcessIdentity(this.machine, this.pid, this.processStart).knownDead();
		}

		@Override
		public String toString() {
			return this.purpose + " (host " + this.host + ", pid " + this.pid + ")";
		}

	}

}
