package dev.redoubt.restore.incident;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ServerVersion;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.physical.BaseBackups;

/**
 * Finds the transactions that deleted, updated, truncated, rewrote or dropped a table in
 * a source's archived WAL: the WAL from a base backup's start to the end of the archive
 * is fetched (verified and decrypted, as recovery fetches it) into a private directory,
 * {@code pg_waldump} of the backup's major version reads it, and {@link WalChanges} keeps
 * what touched the table's heap. The table is known by its file numbers: those the base
 * backup's manifest lists for it and, if it still exists, its file now.
 */
public final class IncidentFinder {

	private static final Logger log = LoggerFactory.getLogger(IncidentFinder.class);

	/**
	 * @param source the source
	 * @param database its database (the table's)
	 * @param table the table
	 * @param liveFile the table's heap file now, if it exists
	 * @param since changes committed at or after this, or {@code null}: from the newest
	 * base backup on
	 * @param until changes committed before this, or {@code null}
	 * @param jobs WAL files fetched at once
	 */
	public record Request(String source, String database, QualifiedName table, Optional<Long> liveFile, Instant since,
			Instant until, int jobs) {
	}

	/**
	 * @param baseBackupId the base backup whose start the WAL was read from
	 * @param windowStart the earliest moment a restore can recover to (the oldest base
	 * backup's end)
	 * @param fromLsn where reading started
	 * @param toLsn the last record read
	 * @param segments WAL segments read
	 * @param changes the table's changes, in commit order
	 */
	public record Report(String baseBackupId, Instant windowStart, String fromLsn, String toLsn, int segments,
			List<WalChanges.Change> changes) {
	}

	private IncidentFinder() {
	}

	public static Report find(Repository repository, Request request) {
		List<BaseBackupManifest> backups = BaseBackups.list(repository, request.source());
		if (backups.isEmpty()) {
			throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND, "source " + request.source()
					+ " has no base backup: its WAL cannot be read from a known start, nor recovered to");
		}
		BaseBackupManifest oldest = backups.stream().min(Comparator.comparing(BaseBackupManifest::stopTime)).get();
		if (request.since() != null && request.since().isBefore(oldest.stopTime())) {
			throw new RedoubtException(ErrorCode.WAL_GAP,
					"--since " + request.since() + " is before the recoverable window, which starts at "
							+ oldest.stopTime() + " (the end of base backup " + oldest.backupId() + ")",
					"give a later --since, or leave it out to read from the newest base backup", null);
		}
		BaseBackupManifest base = backups.stream()
			.filter((backup) -> request.since() == null || !backup.stopTime().isAfter(request.since()))
			.max(Comparator.comparing(BaseBackupManifest::stopTime))
			.orElse(oldest);
		long database = databaseOid(base, request.database());
		Set<Long> heapFiles = new HashSet<>();
		request.liveFile().ifPresent(heapFiles::add);
		if (base.relations() != null) {
			base.relations()
				.stream()
				.filter((file) -> file.database() == database && "r".equals(file.kind())
						&& file.schema().equals(request.table().schema())
						&& file.table().equals(request.table().name()))
				.forEach((file) -> heapFiles.add(file.filenode()));
		}
		if (heapFiles.isEmpty()) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"table " + request.table() + " exists neither now nor in base backup " + base.backupId(),
					"name it as it was called at the base backup; redoubt info lists the base backups", null);
		}
		log.info("reading the WAL of source {} from base backup {} (LSN {}) for changes to {} (files {})",
				request.source(), base.backupId(), base.startLsn(), request.table(), heapFiles);
		WalChanges changes = new WalChanges(database, heapFiles);
		int segments = dump(repository, request, base, changes);
		List<WalChanges.Change> inWindow = changes.changes()
			.stream()
			.filter((change) -> request.since() == null || !change.committedAt().isBefore(request.since()))
			.filter((change) -> request.until() == null || change.committedAt().isBefore(request.until()))
			.toList();
		return new Report(base.backupId(), oldest.stopTime(), base.startLsn(), changes.lastLsn(), segments, inWindow);
	}

	private static long databaseOid(BaseBackupManifest base, String name) {
		if (base.databases() == null) {
			throw new RedoubtException(ErrorCode.UNSUPPORTED_FORMAT_VERSION,
					"base backup " + base.backupId()
							+ " was taken by an older release and does not list the cluster's databases and files",
					"take a base backup (redoubt backup --type base); changes after it can then be found", null);
		}
		return base.databases()
			.stream()
			.filter((db) -> db.name().equals(name))
			.map(BaseBackupManifest.Database::oid)
			.findFirst()
			.orElseThrow(() -> new RedoubtException(ErrorCode.INVALID_SELECTION,
					"database " + name + " did not exist at base backup " + base.backupId()));
	}

	/**
	 * Fetches the WAL from the backup's start, one run of segments of one timeline at a
	 * time, and feeds pg_waldump's output to {@code changes}.
	 * @return segments read
	 */
	private static int dump(Repository repository, Request request, BaseBackupManifest base, WalChanges changes) {
		WalArchive archive = new WalArchive(repository, request.source());
		long segmentBytes = base.walSegmentBytes();
		long first = WalNames.parseLsn(base.startLsn()) / segmentBytes;
		// per segment number, the newest timeline holding it (from the backup's on)
		TreeMap<Long, String> segments = new TreeMap<>();
		for (String name : archive.list().names()) {
			if (WalNames.isSegment(name) && WalNames.timeline(name) >= base.timeline()) {
				long number = WalNames.segmentNumber(name, segmentBytes);
				if (number >= first) {
					segments.merge(number, name, (a, b) -> (WalNames.timeline(a) >= WalNames.timeline(b)) ? a : b);
				}
			}
		}
		Path binary = PgTools.findExact("pg_waldump", new ServerVersion(base.source().serverVersionNum()).major());
		Path work = DirectoryTree.createPrivateTemp("redoubt-incident-");
		ExecutorService fetchers = Executors.newFixedThreadPool(Math.max(1, request.jobs()));
		try {
			List<String> run = new ArrayList<>();
			long expected = first;
			for (Map.Entry<Long, String> segment : segments.entrySet()) {
				boolean sameRun = run.isEmpty() || segment.getKey() == expected
						&& WalNames.timeline(segment.getValue()) == WalNames.timeline(run.get(0));
				if (!sameRun) {
					if (segment.getKey() != expected) {
						break;
					}
					readRun(archive, run, work, binary, changes, fetchers);
					run.clear();
				}
				run.add(segment.getValue());
				expected = segment.getKey() + 1;
			}
			readRun(archive, run, work, binary, changes, fetchers);
			return (int) (expected - first);
		}
		finally {
			fetchers.shutdownNow();
			DirectoryTree.delete(work);
		}
	}

	private static void readRun(WalArchive archive, List<String> run, Path work, Path binary, WalChanges changes,
			ExecutorService fetchers) {
		if (run.isEmpty()) {
			return;
		}
		Path directory = work.resolve("wal-" + run.get(0));
		try {
			Files.createDirectories(directory);
			List<CompletableFuture<Void>> fetched = new ArrayList<>();
			for (String name : run) {
				fetched.add(CompletableFuture.runAsync(() -> write(directory.resolve(name), archive.fetch(name)
					.orElseThrow(() -> new RedoubtException(ErrorCode.WAL_GAP, "WAL file " + name + " vanished")),
						name), fetchers));
			}
			for (CompletableFuture<Void> one : fetched) {
				join(one);
			}
			List<String> command = List.of(binary.toString(), "--path", directory.toString(), run.get(0),
					run.get(run.size() - 1));
			ProcessBuilder builder = ToolProcess.builder(command).redirectErrorStream(true);
			builder.environment().put("TZ", "UTC");
			Process process = builder.start();
			process.getOutputStream().close();
			String lastLine = "";
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = lines.readLine()) != null) {
					changes.accept(line);
					lastLine = line;
				}
			}
			int status = process.waitFor();
			// the archive's last segment ends in zeroes or in a record cut by the switch:
			// pg_waldump then stops with an error about that record, which is the end
			if (status != 0 && !lastLine.contains("error in WAL record")) {
				throw new RedoubtException(ErrorCode.PG_TOOL_FAILED, "pg_waldump failed: " + lastLine);
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.PG_TOOL_FAILED, "cannot read the WAL with " + binary + ": " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedoubtException(ErrorCode.INTERRUPTED, "interrupted while reading the WAL");
		}
		finally {
			DirectoryTree.delete(directory);
		}
	}

	private static void write(Path file, byte[] content, String name) {
		try {
			Files.write(file, content);
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "cannot write WAL file " + name + ": " + ex, ex);
		}
	}

	private static void join(CompletableFuture<Void> fetch) {
		try {
			fetch.join();
		}
		catch (java.util.concurrent.CompletionException ex) {
			if (ex.getCause() instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(ErrorCode.INTERNAL, "fetching WAL failed: " + ex.getCause(), ex.getCause());
		}
	}

}
