package dev.redoubt.restore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import org.postgresql.PGConnection;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.codec.CorruptDataException;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.pg.CopyText;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.progress.Progress;
import dev.redoubt.core.repository.Repository;

/**
 * Loads chunks into one table over one session, inside the caller's transaction, so that
 * the rows land together with the DDL and the merge or not at all. While PostgreSQL
 * copies one chunk, the next ones are fetched (first healthy region, stored hash
 * verified) and decoded (GCM tags and keyed plaintext hash verified) on threads of their
 * own; a chunk reaches {@code COPY} only once it has proven whole. At most
 * {@code prefetch} decoded chunks wait in memory.
 */
final class SessionLoader implements AutoCloseable {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SessionLoader.class);

	private final Repository repository;

	private final byte[] dataKey;

	private final int prefetch;

	private final Progress progress;

	private final ExecutorService fetchers;

	private final List<ChunkRef> plan;

	private final Deque<Future<byte[]>> pending = new ArrayDeque<>();

	private int submitted;

	private int taken;

	/**
	 * @param plan every chunk to load, in the order {@link #load} will ask for them
	 */
	SessionLoader(Repository repository, byte[] dataKey, int prefetch, Progress progress, List<ChunkRef> plan) {
		this.repository = repository;
		this.dataKey = dataKey;
		this.prefetch = Math.max(1, prefetch);
		this.progress = progress;
		AtomicInteger threads = new AtomicInteger();
		this.fetchers = Executors.newFixedThreadPool(this.prefetch, (task) -> {
			Thread thread = new Thread(task, "redoubt-fetch-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		this.plan = plan;
		fill();
	}

	private void fill() {
		while (this.submitted < this.plan.size() && this.pending.size() < this.prefetch) {
			ChunkRef ahead = this.plan.get(this.submitted++);
			this.pending.add(this.fetchers.submit(() -> decode(ahead)));
		}
	}

	/**
	 * A chunk of the plan, for loaders that share it.
	 *
	 * @param index its place in the plan
	 * @param chunk the chunk
	 * @param rows its decoded rows, once fetched and verified
	 */
	record Fetched(int index, ChunkRef chunk, Future<byte[]> rows) {

		byte[] await() {
			return SessionLoader.await(this.rows);
		}

	}

	/**
	 * The next chunk of the plan for whichever session asks, or {@code null} at its end.
	 */
	synchronized Fetched next() {
		if (this.taken >= this.plan.size()) {
			return null;
		}
		Fetched next = new Fetched(this.taken, this.plan.get(this.taken), this.pending.removeFirst());
		this.taken++;
		fill();
		return next;
	}

	/** The next chunk of the plan, decoded and verified. */
	private synchronized byte[] take(ChunkRef chunk) {
		if (this.taken >= this.plan.size() || !this.plan.get(this.taken).equals(chunk)) {
			throw new IllegalStateException("chunk " + chunk.key() + " asked for out of plan order");
		}
		this.taken++;
		byte[] plain = await(this.pending.removeFirst());
		fill();
		return plain;
	}

	/**
	 * Where a chunk's rows are copied: {@code COPY relation (columns) FROM STDIN} over
	 * {@code connection}, rewritten on the way by {@code rewrite} (masking), or as they
	 * are when it is {@code null}.
	 */
	record Into(Connection connection, String relation, List<String> columns, UnaryOperator<InputStream> rewrite) {

		Into(Connection connection, String relation, List<String> columns) {
			this(connection, relation, columns, null);
		}

		private long copy(ChunkRef chunk, byte[] rows) throws SQLException, IOException {
			InputStream in = new ByteArrayInputStream(rows);
			long copied = this.connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyIn(CopyText.copyFromStdin(this.relation, this.columns),
						(this.rewrite != null) ? this.rewrite.apply(in) : in);
			if (copied != chunk.rows()) {
				throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, "object " + chunk.key() + " loaded " + copied
						+ " rows into " + this.relation + ", the manifest records " + chunk.rows());
			}
			return copied;
		}

	}

	/**
	 * Copies each chunk's rows into every one of {@code into}, in plan order, so that the
	 * n-th row loaded is the same row in each (a predicate judged on original rows in one
	 * place selects masked rows in another).
	 * @return rows loaded (into each)
	 */
	long load(List<ChunkRef> chunks, Into... into) throws SQLException {
		long rows = 0;
		String relation = into[0].relation();
		try {
			for (ChunkRef chunk : chunks) {
				byte[] plain = take(chunk);
				long copied = 0;
				for (Into each : into) {
					relation = each.relation();
					copied = each.copy(chunk, plain);
				}
				loaded(chunk, copied);
				rows += copied;
			}
			return rows;
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "loading into " + relation + " failed: " + ex, ex);
		}
	}

	/** Copies the rows of one chunk into {@code into}. */
	long copy(Into into, ChunkRef chunk, byte[] rows) throws SQLException {
		try {
			long copied = into.copy(chunk, rows);
			loaded(chunk, copied);
			return copied;
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"loading into " + into.relation() + " failed: " + ex, ex);
		}
	}

	private void loaded(ChunkRef chunk, long rows) {
		log.debug("chunk {} copied: {} rows", chunk.key(), rows);
		this.progress.advance(1, chunk.storedBytes(), rows);
	}

	private byte[] decode(ChunkRef chunk) {
		byte[] stored = this.repository.readChunk(chunk);
		log.debug("chunk {} fetched", chunk.key());
		try {
			byte[] plain = ChunkDecoder.readAll(stored, this.dataKey, this.repository.keys().chunkIdKey(), chunk.id());
			log.debug("chunk {} decoded", chunk.key());
			return plain;
		}
		catch (RuntimeException ex) {
			Throwable cause = (ex instanceof CorruptDataException) ? ex : ex.getCause();
			if (cause instanceof CorruptDataException corrupt) {
				throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
						"object " + chunk.key() + " cannot be decoded: " + corrupt.getMessage(), ex);
			}
			throw ex;
		}
	}

	private static byte[] await(Future<byte[]> future) {
		try {
			return future.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "restore interrupted", ex);
		}
		catch (CancellationException ex) {
			throw new RedoubtException(ErrorCode.INTERRUPTED, "restore interrupted", ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "fetching a chunk failed: " + ex.getCause(),
					ex.getCause());
		}
	}

	@Override
	public void close() {
		this.pending.forEach((future) -> future.cancel(true));
		this.fetchers.shutdownNow();
	}

}
