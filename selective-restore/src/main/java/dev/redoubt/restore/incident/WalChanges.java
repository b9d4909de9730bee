package dev.redoubt.restore.incident;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code pg_waldump}'s records (run with {@code TZ=UTC}) and keeps the committed
 * transactions that changed one table: rows deleted and updated on its heap, and the
 * storage-level events that {@code wal_level = replica} shows of a TRUNCATE, a rewrite
 * (VACUUM FULL, CLUSTER, a rewriting ALTER TABLE) or a DROP TABLE: a transaction whose
 * commit drops the table's file, creating a new one (empty: truncate; written: rewrite)
 * or none (drop). The table is known by its heap's file numbers; a truncate or rewrite
 * adds the new file, so later changes are still found.
 */
public final class WalChanges {

	private static final Pattern RECORD = Pattern
		.compile("^rmgr: (\\S+)\\s+len \\(rec/tot\\):\\s*\\d+/\\s*\\d+, tx:\\s*(\\d+), lsn: ([0-9A-F]+/[0-9A-F]+),"
				+ " prev [0-9A-F]+/[0-9A-F]+, desc: (.*)$");

	private static final Pattern FIRST_BLOCK = Pattern.compile("blkref #0: rel (\\d+)/(\\d+)/(\\d+)");

	private static final Pattern CREATE = Pattern.compile("^CREATE base/(\\d+)/(\\d+)$");

	private static final Pattern COMMIT = Pattern
		.compile("^COMMIT (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?) UTC(.*)$");

	private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder().appendPattern("yyyy-MM-dd HH:mm:ss")
		.optionalStart()
		.appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
		.optionalEnd()
		.toFormatter();

	/**
	 * A committed transaction that changed the table.
	 *
	 * @param xid its transaction id
	 * @param committedAt its commit time
	 * @param commitLsn where its commit record is
	 * @param kind {@code delete}, {@code update}, {@code truncate}, {@code rewrite} or
	 * {@code drop} (the gravest of what it did; deletes and updates together are
	 * {@code delete})
	 * @param rowsDeleted rows deleted
	 * @param rowsUpdated rows updated
	 * @param rowsInserted rows inserted
	 */
	public record Change(long xid, Instant committedAt, String commitLsn, String kind, long rowsDeleted,
			long rowsUpdated, long rowsInserted) {
	}

	/** What a transaction (or subtransaction) did so far. */
	private static final class Pending {

		long deleted;

		long updated;

		long inserted;

		final List<Long> created = new ArrayList<>();

		final Set<Long> written = new java.util.HashSet<>();

		void add(Pending other) {
			this.deleted += other.deleted;
			this.updated += other.updated;
			this.inserted += other.inserted;
			this.created.addAll(other.created);
			this.written.addAll(other.written);
		}

	}

	private final long database;

	private final Set<Long> heapFiles;

	private final Map<Long, Pending> pending = new HashMap<>();

	private final List<Change> changes = new ArrayList<>();

	private String lastLsn;

	/**
	 * @param database the table's database (OID)
	 * @param heapFiles the file numbers its heap had (at the base backup, now, …)
	 */
	public WalChanges(long database, Set<Long> heapFiles) {
		this.database = database;
		this.heapFiles = new LinkedHashSet<>(heapFiles);
	}

	/** One line of pg_waldump's output; lines that are not records are ignored. */
	public void accept(String line) {
		Matcher record = RECORD.matcher(line);
		if (!record.matches()) {
			return;
		}
		String rmgr = record.group(1);
		long xid = Long.parseLong(record.group(2));
		this.lastLsn = record.group(3);
		String description = record.group(4);
		switch (rmgr) {
			case "Heap", "Heap2" -> heap(xid, description);
			case "XLOG" -> written(xid, description);
			case "Storage" -> storage(xid, description);
			case "Transaction" -> transaction(xid, record.group(3), description);
			default -> {
			}
		}
	}

	private void heap(long xid, String description) {
		Long file = ourFile(description);
		if (file == null || xid == 0) {
			return;
		}
		Pending tx = this.pending.computeIfAbsent(xid, (x) -> new Pending());
		tx.written.add(file);
		if (description.startsWith("DELETE")) {
			tx.deleted++;
		}
		else if (description.startsWith("UPDATE") || description.startsWith("HOT_UPDATE")) {
			tx.updated++;
		}
		else if (description.startsWith("INSERT")) {
			tx.inserted++;
		}
		else if (description.startsWith("MULTI_INSERT")) {
			Matcher tuples = Pattern.compile("^MULTI_INSERT(?:\\+INIT)? (\\d+) tuples").matcher(description);
			tx.inserted += tuples.find() ? Long.parseLong(tuples.group(1)) : 1;
		}
	}

	/** A full-page image written into a new file: a rewrite fills it. */
	private void written(long xid, String description) {
		Matcher block = FIRST_BLOCK.matcher(description);
		if (xid != 0 && block.find() && Long.parseLong(block.group(2)) == this.database) {
			Pending tx = this.pending.get(xid);
			if (tx != null) {
				tx.written.add(Long.parseLong(block.group(3)));
			}
		}
	}

	private void storage(long xid, String description) {
		Matcher create = CREATE.matcher(description);
		if (xid != 0 && create.matches() && Long.parseLong(create.group(1)) == this.database) {
			this.pending.computeIfAbsent(xid, (x) -> new Pending()).created.add(Long.parseLong(create.group(2)));
		}
	}

	private Long ourFile(String description) {
		Matcher block = FIRST_BLOCK.matcher(description);
		if (!block.find() || Long.parseLong(block.group(2)) != this.database) {
			return null;
		}
		long file = Long.parseLong(block.group(3));
		return this.heapFiles.contains(file) ? file : null;
	}

	private void transaction(long xid, String lsn, String description) {
		if (description.startsWith("ABORT")) {
			this.pending.remove(xid);
			subtransactions(description).forEach(this.pending::remove);
			return;
		}
		Matcher commit = COMMIT.matcher(description);
		if (!commit.matches()) {
			return;
		}
		Pending tx = this.pending.remove(xid);
		for (long sub : subtransactions(description)) {
			Pending done = this.pending.remove(sub);
			if (done != null) {
				tx = (tx == null) ? new Pending() : tx;
				tx.add(done);
			}
		}
		boolean dropsOurs = droppedFiles(description).stream().anyMatch(this.heapFiles::contains);
		if (tx == null && !dropsOurs) {
			return;
		}
		tx = (tx == null) ? new Pending() : tx;
		String kind;
		if (dropsOurs && tx.created.isEmpty()) {
			kind = "drop";
		}
		else if (dropsOurs) {
			// the new heap is the first file the transaction made
			long heap = tx.created.get(0);
			kind = tx.written.contains(heap) ? "rewrite" : "truncate";
			this.heapFiles.add(heap);
		}
		else if (tx.deleted > 0) {
			kind = "delete";
		}
		else if (tx.updated > 0) {
			kind = "update";
		}
		else {
			return;
		}
		Instant at = LocalDateTime.parse(commit.group(1), TIME).toInstant(ZoneOffset.UTC);
		this.changes.add(new Change(xid, at, lsn, kind, tx.deleted, tx.updated, tx.inserted));
	}

	private static List<Long> subtransactions(String description) {
		return numbersAfter(description, "subxacts:");
	}

	private List<Long> droppedFiles(String description) {
		List<Long> files = new ArrayList<>();
		int at = description.indexOf("; rels:");
		if (at < 0) {
			return files;
		}
		String rels = description.substring(at + "; rels:".length());
		int end = rels.indexOf(';');
		Matcher file = Pattern.compile("base/(\\d+)/(\\d+)").matcher((end < 0) ? rels : rels.substring(0, end));
		while (file.find()) {
			if (Long.parseLong(file.group(1)) == this.database) {
				files.add(Long.parseLong(file.group(2)));
			}
		}
		return files;
	}

	private static List<Long> numbersAfter(String description, String label) {
		List<Long> numbers = new ArrayList<>();
		int at = description.indexOf(label);
		if (at < 0) {
			return numbers;
		}
		String rest = description.substring(at + label.length());
		int end = rest.indexOf(';');
		for (String part : ((end < 0) ? rest : rest.substring(0, end)).trim().split("\\s+")) {
			if (part.matches("\\d+")) {
				numbers.add(Long.parseLong(part));
			}
		}
		return numbers;
	}

	/** The transactions found so far, in commit order. */
	public List<Change> changes() {
		return List.copyOf(this.changes);
	}

	/** The last record's position, or {@code null} before any. */
	public String lastLsn() {
		return this.lastLsn;
	}

}
