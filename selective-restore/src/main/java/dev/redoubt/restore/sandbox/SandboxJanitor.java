package dev.redoubt.restore.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.pg.PgTools;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.store.local.DirectoryTree;

/**
 * Finds sandboxes left behind by a verification that was killed (its owner process is
 * gone), stops their servers and removes their directories. Runs before every
 * verification, so a stale sandbox never outlives the next run.
 */
public final class SandboxJanitor {

	private static final Logger log = LoggerFactory.getLogger(SandboxJanitor.class);

	/**
	 * A directory without a readable owner file is left alone this long (it may be
	 * starting).
	 */
	private static final Duration UNOWNED_GRACE = Duration.ofMinutes(10);

	private SandboxJanitor() {
	}

	/**
	 * Removes every stale sandbox under {@code root}.
	 * @return the directories removed
	 */
	public static List<Path> sweep(Path root) {
		List<Path> removed = new ArrayList<>();
		if (!Files.isDirectory(root)) {
			return removed;
		}
		List<Path> candidates;
		try (Stream<Path> entries = Files.list(root)) {
			candidates = entries.filter((p) -> p.getFileName().toString().startsWith("sandbox-")).sorted().toList();
		}
		catch (IOException ex) {
			log.warn("cannot list sandbox directory {}: {}", root, ex.getMessage());
			return removed;
		}
		for (Path directory : candidates) {
			if (isStale(directory)) {
				log.warn("removing stale sandbox {} (its process is gone, or the time it was kept for is over)",
						directory);
				remove(directory);
				removed.add(directory);
			}
		}
		return removed;
	}

	/**
	 * Stops the server under {@code directory}'s {@code cluster/data}, if one runs, and
	 * removes the directory.
	 */
	public static void remove(Path directory) {
		stopServer(directory.resolve("cluster").resolve("data"));
		DirectoryTree.delete(directory);
	}

	/**
	 * Marks {@code directory} (named {@code sandbox-...} under a sandbox root) as this
	 * process's: while it runs, no sweep touches it; once it is gone, the next sweep
	 * stops the server under {@code cluster/data} and removes the directory.
	 */
	public static void claim(Path directory) throws IOException {
		SandboxOwner.current().writeTo(directory);
	}

	/**
	 * Keeps {@code directory} for inspection until {@code until}, whatever becomes of its
	 * owner; the first sweep after that removes it.
	 */
	public static void keepUntil(Path directory, Instant until) throws IOException {
		Files.writeString(directory.resolve(KEEP_UNTIL), until.toString());
	}

	private static final String KEEP_UNTIL = "keep-until";

	private static boolean isStale(Path directory) {
		Path keep = directory.resolve(KEEP_UNTIL);
		if (Files.exists(keep)) {
			try {
				return Instant.parse(Files.readString(keep).trim()).isBefore(Instant.now());
			}
			catch (IOException | java.time.DateTimeException ex) {
				return true;
			}
		}
		Optional<SandboxOwner> owner = SandboxOwner.readFrom(directory);
		if (owner.isPresent()) {
			return !owner.get().isAlive();
		}
		try {
			return Files.getLastModifiedTime(directory).toInstant().isBefore(Instant.now().minus(UNOWNED_GRACE));
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Stops a server by its data directory ({@code pg_ctl stop -m immediate}: the data is
	 * thrown away anyway), if one runs there.
	 */
	static void stopServer(Path dataDirectory) {
		Path pid = dataDirectory.resolve("postmaster.pid");
		if (!Files.exists(pid)) {
			return;
		}
		try {
			int major = Integer.parseInt(Files.readString(dataDirectory.resolve("PG_VERSION"), StandardCharsets.UTF_8)
				.trim()
				.split("\\.")[0]);
			Path pgCtl = PgTools.find("pg_ctl", major);
			ToolProcess.run(
					ToolProcess.asServerUser(
							List.of(pgCtl.toString(), "-D", dataDirectory.toString(), "-m", "immediate", "-w", "stop")),
					Map.of(), "pg_ctl stop");
		}
		catch (IOException | NumberFormatException | RedoubtException ex) {
			killPostmaster(pid);
		}
	}

	private static void killPostmaster(Path pidFile) {
		try {
			long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
			ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
		}
		catch (IOException | RuntimeException ex) {
			log.warn("cannot stop the server of {}: {}", pidFile.getParent(), ex.getMessage());
		}
	}

}
