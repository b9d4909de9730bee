package dev.redoubt.core.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import dev.redoubt.core.pg.ToolProcess;

/**
 * The directory through which PostgreSQL's {@code archive_command} and
 * {@code restore_command} (the thin shell client {@code redoubt-wal.sh}) talk to a
 * long-lived Redoubt process. Every file is written to a temporary name and renamed, so
 * either side sees a file whole or not at all:
 *
 * <pre>
 * request/&lt;name&gt;   the client asks; holds the absolute path of the file (push) or nothing (fetch)
 * done/&lt;name&gt;      pushed: durable in every region; holds the stamp of the file pushed
 * fetched/&lt;name&gt;   fetched: the verified content, moved into place by the client
 * missing/&lt;name&gt;   fetch: the archive has no such file (the client exits 1)
 * failed/&lt;name&gt;    the attempt failed; holds the reason (the client prints it, exits non-zero)
 * heartbeat        touched every second while the server runs
 * </pre>
 */
public final class WalSpool {

	/** How often the server touches {@code heartbeat}; clients give up after a few. */
	public static final long HEARTBEAT_MILLIS = 1000;

	private final Path root;

	public WalSpool(Path root) {
		this.root = root.toAbsolutePath();
	}

	/**
	 * Creates the directories, private to their owner (mode 0700). When running as root,
	 * PostgreSQL's clients run as {@code postgres}, which then owns the spool.
	 */
	public WalSpool create() {
		try {
			Files.createDirectories(this.root);
			List<Path> made = new ArrayList<>(List.of(this.root));
			for (String directory : List.of("request", "done", "fetched", "missing", "failed")) {
				made.add(Files.createDirectories(this.root.resolve(directory)));
			}
			for (Path path : made) {
				Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
				ToolProcess.handToServerUser(path);
			}
			heartbeat();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot create the WAL spool " + this.root, ex);
		}
	}

	public Path root() {
		return this.root;
	}

	public Path path(String directory, String name) {
		return this.root.resolve(directory).resolve(name);
	}

	/** Names waiting in {@code request/}, oldest first. */
	public List<String> requests() {
		List<String> names = new ArrayList<>();
		try (Stream<Path> files = Files.list(this.root.resolve("request"))) {
			files.map((file) -> file.getFileName().toString())
				.filter(WalNames::isWalFileName)
				.sorted()
				.forEach(names::add);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return names;
	}

	/** The request's text (a path for a push), or empty if it was taken meanwhile. */
	public Optional<String> request(String name) {
		try {
			return Optional.of(Files.readString(path("request", name), StandardCharsets.UTF_8).trim());
		}
		catch (java.nio.file.NoSuchFileException ex) {
			return Optional.empty();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public void removeRequest(String name) {
		delete(path("request", name));
	}

	/** Answers: {@code done}, {@code missing} or {@code failed}, with its text. */
	public void answer(String directory, String name, String text) {
		write(path(directory, name), (text + "\n").getBytes(StandardCharsets.UTF_8));
		if (!"failed".equals(directory)) {
			delete(path("failed", name));
		}
	}

	/**
	 * Places fetched content where the client takes it from; it moves the file into
	 * {@code pg_wal}, where the server opens it for writing, so the server's user owns
	 * it.
	 */
	public void deliver(String name, byte[] content) {
		write(path("fetched", name), content);
	}

	public boolean exists(String directory, String name) {
		return Files.exists(path(directory, name));
	}

	public void heartbeat() {
		Path beat = this.root.resolve("heartbeat");
		try {
			if (!Files.exists(beat)) {
				write(beat, new byte[0]);
				Files.setPosixFilePermissions(beat, PosixFilePermissions.fromString("rw-r--r--"));
			}
			Files.setLastModifiedTime(beat, FileTime.fromMillis(System.currentTimeMillis()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Deletes answers in {@code directory} older than {@code ageMillis}. */
	public int sweep(String directory, long ageMillis) {
		long cutoff = System.currentTimeMillis() - ageMillis;
		int removed = 0;
		try (Stream<Path> files = Files.list(this.root.resolve(directory))) {
			for (Path file : (Iterable<Path>) files::iterator) {
				if (Files.getLastModifiedTime(file).toMillis() < cutoff) {
					delete(file);
					removed++;
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return removed;
	}

	/**
	 * The "size inode mtime" stamp of a file, as {@code stat -c '%s %i %.9Y'} prints it:
	 * a done answer holds the stamp of the file it archived, so a file written anew under
	 * that name is not taken for it.
	 */
	public static String stamp(Path file) throws IOException {
		java.time.Instant modified = Files.getLastModifiedTime(file).toInstant();
		return Files.size(file) + " " + Files.getAttribute(file, "unix:ino") + " " + modified.getEpochSecond() + "."
				+ String.format(java.util.Locale.ROOT, "%09d", modified.getNano());
	}

	private void write(Path target, byte[] content) {
		Path temp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + "."
				+ Thread.currentThread().getId());
		try {
			Files.write(temp, content);
			ToolProcess.handToServerUser(temp);
			try {
				Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
			}
		}
		catch (IOException ex) {
			delete(temp);
			throw new UncheckedIOException("cannot write " + target, ex);
		}
	}

	private static void delete(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
