package dev.redoubt.verify.check;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.redoubt.core.codec.ContentHash;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.CopyOutProcess;
import dev.redoubt.core.pg.RowSplitter;

/**
 * Check 5: each table's content hash, recomputed from the restored rows, equals the hash
 * recorded at backup time. The rows are read back with the same {@code COPY} text and
 * session settings the backup used; the hash is a sum over rows, so no {@code ORDER BY}
 * is needed on either side. Tables are read in parallel, largest first.
 */
public final class ContentHashCheck implements VerificationCheck {

	@Override
	public String id() {
		return "content-hash";
	}

	@Override
	public String title() {
		return "Content hash per table recomputed from the restored rows";
	}

	@Override
	public Outcome run(VerificationContext context) throws Exception {
		List<TableEntry> tables = new ArrayList<>(context.manifest().tables());
		tables.sort(Comparator.comparingLong(ContentHashCheck::plainBytes).reversed());
		ConcurrentLinkedQueue<TableEntry> queue = new ConcurrentLinkedQueue<>(tables);
		List<String> problems = Collections.synchronizedList(new ArrayList<>());
		int jobs = Math.max(1, Math.min(context.settings().jobs(), tables.size()));
		ExecutorService pool = Executors.newFixedThreadPool(jobs, (runnable) -> {
			Thread thread = new Thread(runnable, "redoubt-verify-hash");
			thread.setDaemon(true);
			return thread;
		});
		try {
			List<CompletableFuture<Void>> workers = new ArrayList<>();
			for (int i = 0; i < jobs; i++) {
				workers.add(CompletableFuture.runAsync(() -> {
					RowSplitter splitter = new RowSplitter();
					TableEntry table;
					while ((table = queue.poll()) != null) {
						String actual = hash(context, splitter, table);
						if (!actual.equals(table.contentHash())) {
							problems.add(table.qualifiedName() + " hashes to " + actual + ", the manifest records "
									+ table.contentHash());
						}
					}
				}, pool));
			}
			CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
		}
		finally {
			pool.shutdownNow();
		}
		problems.sort(null);
		return Outcome.of(problems, tables.size() + " tables hash as recorded (xxh64 row sums)");
	}

	private static long plainBytes(TableEntry table) {
		return table.chunks().stream().mapToLong(ChunkRef::plainBytes).sum();
	}

	private static String hash(VerificationContext context, RowSplitter splitter, TableEntry table) {
		String columns = String.join(", ", table.columns().stream().map(TableEntry::quote).toList());
		String sql = "COPY (SELECT " + columns + " FROM ONLY " + table.qualifiedName() + ") TO STDOUT";
		ContentHash hash = new ContentHash();
		try (CopyOutProcess copy = CopyOutProcess.start(context.psql(), context.restored(), null, sql,
				"redoubt verify")) {
			splitter.split(copy.rows(), new RowSplitter.RowConsumer() {

				@Override
				public boolean row(byte[] bytes, int offset, int length) {
					hash.addRow(bytes, offset, length);
					return false;
				}

				@Override
				public void rows(byte[] bytes, int offset, int length) {
				}

				@Override
				public void cut() {
				}

			});
			copy.finish(context.restored().username());
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		return hash.value();
	}

}
