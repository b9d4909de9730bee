package dev.redoubt.verify.check;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.redoubt.core.codec.ContentHash;
import dev.redoubt.core.concurrent.Workers;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.CopyOutProcess;
import dev.redoubt.core.pg.RowSplitter;

/**
 * Check 5: each table's content hash, recomputed from the restored rows, equals the hash
 * recorded at backup time. The rows are read back with the same {@code COPY} text and
 * session settings the backup used; the hash is a sum over rows, so no {@code ORDER BY}
 * is needed on either side. Tables, and page ranges of large ones, are read in parallel,
 * largest first.
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
		List<TableEntry> tables = context.manifest().tables();
		List<Slice> slices = slices(context, tables);
		ConcurrentLinkedQueue<Slice> queue = new ConcurrentLinkedQueue<>(slices);
		Map<TableEntry, ContentHash> hashes = new ConcurrentHashMap<>();
		tables.forEach((table) -> hashes.put(table, new ContentHash()));
		int jobs = Math.max(1, Math.min(context.settings().jobs(), slices.size()));
		Workers.run(jobs, "redoubt-verify-hash", (i) -> () -> {
			RowSplitter splitter = new RowSplitter();
			Slice slice;
			while ((slice = queue.poll()) != null) {
				ContentHash part = hash(context, splitter, slice);
				ContentHash total = hashes.get(slice.table());
				synchronized (total) {
					total.add(part);
				}
			}
		});
		List<String> problems = new ArrayList<>();
		for (TableEntry table : tables) {
			String actual = hashes.get(table).value();
			if (!actual.equals(table.contentHash())) {
				problems.add(table.qualifiedName() + " hashes to " + actual + ", the manifest records "
						+ table.contentHash());
			}
		}
		return Outcome.of(problems, tables.size() + " tables hash as recorded (xxh64 row sums, " + slices.size()
				+ " slices read in parallel)");
	}

	/**
	 * A table, or a page range of a large one, read by one {@code COPY}.
	 *
	 * @param table the table
	 * @param fromPage first page, or -1 for the whole table
	 * @param toPage page after the last, or -1 for the table's end
	 * @param pages pages to read, to start with the largest
	 */
	private record Slice(TableEntry table, long fromPage, long toPage, long pages) {
	}

	/**
	 * Cuts tables larger than {@link #SLICE_PAGES} into page ranges (TID range scans), so
	 * that one large table keeps every session busy; the hash is a sum, so the parts add
	 * up to the table's.
	 */
	private static List<Slice> slices(VerificationContext context, List<TableEntry> tables) throws SQLException {
		List<Slice> slices = new ArrayList<>();
		try (Connection connection = context.open();
				PreparedStatement size = connection.prepareStatement("SELECT pg_relation_size(?::regclass) / 8192")) {
			for (TableEntry table : tables) {
				size.setString(1, table.qualifiedName());
				long pages;
				try (ResultSet rows = size.executeQuery()) {
					rows.next();
					pages = rows.getLong(1);
				}
				if (pages <= SLICE_PAGES) {
					slices.add(new Slice(table, -1, -1, pages));
					continue;
				}
				for (long from = 0; from < pages; from += SLICE_PAGES) {
					long to = from + SLICE_PAGES;
					slices.add(new Slice(table, from, (to >= pages) ? -1 : to, Math.min(SLICE_PAGES, pages - from)));
				}
			}
		}
		slices.sort(Comparator.comparingLong(Slice::pages).reversed());
		return slices;
	}

	/** 32 MiB of pages per slice. */
	private static final long SLICE_PAGES = 4096;

	private static ContentHash hash(VerificationContext context, RowSplitter splitter, Slice slice) {
		TableEntry table = slice.table();
		String columns = String.join(", ", table.columns().stream().map(TableEntry::quote).toList());
		String range = "";
		if (slice.fromPage() >= 0) {
			range = " WHERE ctid >= '(" + slice.fromPage() + ",0)'::tid"
					+ ((slice.toPage() >= 0) ? " AND ctid < '(" + slice.toPage() + ",0)'::tid" : "");
		}
		String sql = "COPY (SELECT " + columns + " FROM ONLY " + table.qualifiedName() + range + ") TO STDOUT";
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
		return hash;
	}

}
