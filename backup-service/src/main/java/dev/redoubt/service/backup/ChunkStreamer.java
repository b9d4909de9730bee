package dev.redoubt.service.backup;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.ContentHash;
import dev.redoubt.core.codec.EncodedChunk;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.CopyText;
import dev.redoubt.core.repository.BackupWriter;

/**
 * One worker: a session in the coordinator's exported snapshot that takes tasks from a
 * shared queue, streams each {@code COPY} row by row into chunks, and hands sealed chunks
 * to the upload pool. Two encoders alternate, so the next chunk is read while the
 * previous one uploads; memory is two chunks per worker whatever the table size.
 */
final class ChunkStreamer {

	private final ConnectionSpec source;

	private final String snapshotId;

	private final BackupWriter writer;

	private final BackupSettings settings;

	private final ExecutorService uploads;

	private final Consumer<ChunkResult> results;

	private final ChunkEncoder[] encoders = new ChunkEncoder[2];

	private final CompletableFuture<?>[] inFlight = { CompletableFuture.completedFuture(null),
			CompletableFuture.completedFuture(null) };

	private int current;

	ChunkStreamer(ConnectionSpec source, String snapshotId, BackupWriter writer, byte[] chunkIdKey,
			BackupSettings settings, ExecutorService uploads, Consumer<ChunkResult> results) {
		this.source = source;
		this.snapshotId = snapshotId;
		this.writer = writer;
		this.settings = settings;
		this.uploads = uploads;
		this.results = results;
		int initial = (int) Math.min(settings.chunkBytes() / 2, 8 << 20);
		for (int i = 0; i < 2; i++) {
			this.encoders[i] = new ChunkEncoder(writer.dataKey(), chunkIdKey, settings.compressionLevel(), initial);
		}
	}

	/** Streams tasks until the queue is empty, then waits for this worker's uploads. */
	void drain(Queue<ChunkTask> tasks) {
		try (Connection connection = this.source.open("redoubt backup worker")) {
			joinSnapshot(connection);
			ChunkTask task;
			while ((task = tasks.poll()) != null) {
				if (Thread.currentThread().isInterrupted()) {
					throw new RedoubtException(ErrorCode.INTERRUPTED, "backup interrupted");
				}
				stream(connection, task);
			}
			CompletableFuture.allOf(this.inFlight).join();
			connection.commit();
		}
		catch (SQLException ex) {
			throw copyFailure(ex);
		}
	}

	private void joinSnapshot(Connection connection) throws SQLException {
		connection.setAutoCommit(false);
		connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
		try (Statement statement = connection.createStatement()) {
			// SET TRANSACTION SNAPSHOT must be the transaction's first statement: any
			// query
			// before it would fix a snapshot of its own
			statement.execute("SET TRANSACTION SNAPSHOT '" + this.snapshotId + "'");
			// a role that cannot bypass row security must fail, never back up filtered
			// rows
			statement.execute("SET LOCAL row_security = off");
		}
		CopyText.applySessionSettings(connection);
	}

	private void stream(Connection connection, ChunkTask task) throws SQLException {
		CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(task.sql());
		ChunkEncoder encoder = startChunk();
		ContentHash hash = new ContentHash();
		KeyBounds bounds = new KeyBounds(task.keyIndex());
		int sequence = 0;
		byte[] row;
		while ((row = copy.readFromCopy()) != null) {
			encoder.write(row, 0, row.length);
			hash.addRow(row, 0, row.length);
			bounds.add(row);
			if (encoder.plainBytes() >= this.settings.chunkBytes()) {
				sealChunk(task, sequence++, encoder, hash, bounds);
				encoder = startChunk();
				hash = new ContentHash();
				bounds = new KeyBounds(task.keyIndex());
			}
		}
		if (hash.rows() > 0) {
			sealChunk(task, sequence, encoder, hash, bounds);
		}
	}

	private ChunkEncoder startChunk() {
		this.inFlight[this.current].join();
		ChunkEncoder encoder = this.encoders[this.current];
		encoder.begin();
		return encoder;
	}

	private void sealChunk(ChunkTask task, int sequence, ChunkEncoder encoder, ContentHash hash, KeyBounds bounds) {
		EncodedChunk chunk = encoder.finish();
		long rows = hash.rows();
		String value = hash.value();
		this.inFlight[this.current] = CompletableFuture
			.runAsync(() -> this.results.accept(new ChunkResult(task.tableKey(), task.index(), sequence,
					this.writer.storeChunk(chunk, rows, bounds.min(), bounds.max(), value))), this.uploads);
		this.current ^= 1;
	}

	private RedoubtException copyFailure(SQLException ex) {
		if ("42501".equals(ex.getSQLState())) {
			return new RedoubtException(ErrorCode.DATABASE_PERMISSION_DENIED,
					"role " + this.source.username() + " cannot read every row: " + ex.getMessage(),
					"a backup never filters rows silently: give the role BYPASSRLS (or use the table owner or a superuser)",
					null);
		}
		return new RedoubtException(ErrorCode.DATABASE_UNREACHABLE, "COPY failed: " + ex.getMessage(), ex);
	}

	/** Smallest and largest value of the integer key column seen in a chunk. */
	private static final class KeyBounds {

		private final int index;

		private long min = Long.MAX_VALUE;

		private long max = Long.MIN_VALUE;

		KeyBounds(int index) {
			this.index = index;
		}

		void add(byte[] row) {
			if (this.index < 0) {
				return;
			}
			int field = 0;
			int start = 0;
			for (int i = 0; i < row.length && field <= this.index; i++) {
				if (row[i] == '\t' || row[i] == '\n') {
					if (field == this.index) {
						long value = parse(row, start, i);
						this.min = Math.min(this.min, value);
						this.max = Math.max(this.max, value);
						return;
					}
					field++;
					start = i + 1;
				}
			}
		}

		private static long parse(byte[] row, int from, int to) {
			boolean negative = row[from] == '-';
			long value = 0;
			for (int i = negative ? from + 1 : from; i < to; i++) {
				value = value * 10 + (row[i] - '0');
			}
			return negative ? -value : value;
		}

		String min() {
			return (this.min <= this.max) ? Long.toString(this.min) : null;
		}

		String max() {
			return (this.min <= this.max) ? Long.toString(this.max) : null;
		}

	}

}
