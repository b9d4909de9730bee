package dev.redoubt.service.backup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

import dev.redoubt.core.codec.ChunkEncoder;
import dev.redoubt.core.codec.ContentHash;
import dev.redoubt.core.codec.EncodedChunk;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.pg.CopyOutProcess;
import dev.redoubt.core.pg.RowSplitter;
import dev.redoubt.core.repository.BackupWriter;

/**
 * One worker: takes tasks from a shared queue, runs each {@code COPY} in the
 * coordinator's exported snapshot ({@link CopyOutProcess}), cuts the output into rows and
 * the rows into chunks, and hands sealed chunks to the upload pool. Two encoders
 * alternate, so the next chunk is read while the previous one uploads; memory is two
 * chunks per worker whatever the table size.
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

	private final Path psql;

	private final RowSplitter splitter = new RowSplitter();

	private int current;

	private ChunkTask task;

	private int sequence;

	private ChunkEncoder encoder;

	private ContentHash hash;

	private KeyBounds bounds;

	private long chunkPlainBytes;

	ChunkStreamer(Path psql, ConnectionSpec source, String snapshotId, BackupWriter writer, byte[] chunkIdKey,
			BackupSettings settings, ExecutorService uploads, Consumer<ChunkResult> results) {
		this.psql = psql;
		this.source = source;
		this.snapshotId = snapshotId;
		this.writer = writer;
		this.settings = settings;
		this.uploads = uploads;
		this.results = results;
		int initial = (int) Math.min(settings.chunkBytes() / 2, 8 << 20);
		for (int i = 0; i < 2; i++) {
			this.encoders[i] = new ChunkEncoder(writer.dataKey(), chunkIdKey, settings.compressionLevel(), initial,
					writer.sharesChunks());
		}
	}

	/** Streams tasks until the queue is empty, then waits for this worker's uploads. */
	void drain(Queue<ChunkTask> tasks) {
		ChunkTask task;
		while ((task = tasks.poll()) != null) {
			if (Thread.currentThread().isInterrupted()) {
				throw new RedoubtException(ErrorCode.INTERRUPTED, "backup interrupted");
			}
			stream(task);
		}
		CompletableFuture.allOf(this.inFlight).join();
	}

	private void stream(ChunkTask task) {
		try (CopyOutProcess copy = CopyOutProcess.start(this.psql, this.source, this.snapshotId, task.sql(),
				"redoubt backup worker", this.settings.lockTimeout())) {
			this.task = task;
			this.sequence = 0;
			openChunk();
			this.splitter.split(copy.rows(), this.rowSink);
			copy.finish(this.source.username());
			if (this.hash.rows() > 0) {
				sealChunk();
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.DATABASE_UNREACHABLE, "reading COPY output failed: " + ex.getMessage(),
					ex);
		}
	}

	private final RowSplitter.RowConsumer rowSink = new RowSplitter.RowConsumer() {

		@Override
		public boolean row(byte[] bytes, int offset, int length) {
			ChunkStreamer.this.hash.addRow(bytes, offset, length);
			ChunkStreamer.this.bounds.add(bytes, offset, length);
			ChunkStreamer.this.chunkPlainBytes += length;
			return ChunkStreamer.this.chunkPlainBytes >= ChunkStreamer.this.settings.chunkBytes();
		}

		@Override
		public void rows(byte[] bytes, int offset, int length) {
			ChunkStreamer.this.encoder.write(bytes, offset, length);
		}

		@Override
		public void cut() {
			sealChunk();
			openChunk();
		}

	};

	private void openChunk() {
		this.encoder = startChunk();
		this.chunkPlainBytes = 0;
		this.hash = new ContentHash();
		this.bounds = new KeyBounds(this.task.keyIndex());
	}

	private ChunkEncoder startChunk() {
		this.inFlight[this.current].join();
		ChunkEncoder encoder = this.encoders[this.current];
		encoder.begin();
		return encoder;
	}

	private void sealChunk() {
		ChunkTask task = this.task;
		int sequence = this.sequence++;
		KeyBounds bounds = this.bounds;
		EncodedChunk chunk = this.encoder.finish(this.writer::storedEverywhere);
		long rows = this.hash.rows();
		String value = this.hash.value();
		this.inFlight[this.current] = CompletableFuture
			.runAsync(() -> this.results.accept(new ChunkResult(task.tableKey(), task.index(), sequence,
					this.writer.storeChunk(chunk, rows, bounds.min(), bounds.max(), value))), this.uploads);
		this.current ^= 1;
	}

	/** Smallest and largest value of the integer key column seen in a chunk. */
	private static final class KeyBounds {

		private final int index;

		private long min = Long.MAX_VALUE;

		private long max = Long.MIN_VALUE;

		KeyBounds(int index) {
			this.index = index;
		}

		void add(byte[] row, int offset, int length) {
			if (this.index < 0) {
				return;
			}
			int field = 0;
			int start = offset;
			for (int i = offset; i < offset + length && field <= this.index; i++) {
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
