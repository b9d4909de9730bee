package dev.redoubt.restore.physical;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import dev.redoubt.core.codec.ChunkDecoder;
import dev.redoubt.core.codec.CorruptDataException;
import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.pg.ToolProcess;
import dev.redoubt.core.progress.Progress;
import dev.redoubt.core.repository.Repository;

/**
 * Writes a base backup's tar stream into an empty data directory. Chunks are fetched
 * {@code jobs} ahead of the one being unpacked, each verified (size, SHA-256, GCM tags,
 * keyed hash) before a byte of it reaches disk. Entries that would land outside the
 * directory are refused. When this process runs as root the files are handed to the
 * {@code postgres} user, which runs the server.
 */
final class BaseBackupExtractor {

	private BaseBackupExtractor() {
	}

	/**
	 * @return bytes of the tar stream
	 */
	static long extract(Repository repository, BaseBackupManifest manifest, Path dataDirectory, int jobs) {
		byte[] dataKey = repository.keys().keyEncryptionKey().unwrap(manifest.dataKey(), manifest.backupId());
		ExecutorService fetchers = Executors.newFixedThreadPool(Math.max(1, jobs), (task) -> {
			Thread thread = new Thread(task, "redoubt-base-fetch");
			thread.setDaemon(true);
			return thread;
		});
		Progress progress = Progress.start("restore base backup " + manifest.backupId(), manifest.chunks().size(),
				manifest.tarBytes());
		try (InputStream tar = new ChunkStream(repository, manifest.chunks(), dataKey, fetchers, Math.max(1, jobs),
				progress); TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
			unpack(entries, dataDirectory, "base backup " + manifest.backupId());
			tar.transferTo(OutputStream.nullOutputStream());
			return manifest.tarBytes();
		}
		catch (CorruptDataException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT,
					"base backup " + manifest.backupId() + " is corrupt: " + ex.getMessage(), ex);
		}
		catch (IOException ex) {
			if (ex.getCause() instanceof RedoubtException redoubt) {
				throw redoubt;
			}
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"cannot write the base backup into " + dataDirectory + ": " + ex.getMessage(), ex);
		}
		finally {
			progress.finish();
			fetchers.shutdownNow();
		}
	}

	/**
	 * Writes each entry of a tar stream under {@code dataDirectory}. Refused, before a
	 * byte is written: an entry outside the directory (absolute, or {@code ..}), an entry
	 * whose path passes through a symbolic link (an earlier entry may have made {@code a}
	 * a link to {@code /}: {@code a/etc/x} must not land in {@code /etc}), an entry over
	 * one that exists, and hard links, devices and FIFOs, which a base backup never
	 * holds.
	 * @param what the archive, for messages
	 */
	static void unpack(TarArchiveInputStream entries, Path dataDirectory, String what) throws IOException {
		Path root = dataDirectory.toAbsolutePath().normalize();
		TarArchiveEntry entry;
		byte[] buffer = new byte[256 * 1024];
		while ((entry = entries.getNextEntry()) != null) {
			Path target = root.resolve(entry.getName()).normalize();
			if (!target.startsWith(root) || target.equals(root) && !entry.isDirectory()
					|| entry.getName().startsWith("/")) {
				throw refused(what, entry, "it lies outside the data directory");
			}
			requireNoLinkOnTheWay(root, target, what, entry);
			if (entry.isLink() || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
				throw refused(what, entry, "it is a hard link, device or FIFO, which a base backup never holds");
			}
			if (entry.isDirectory()) {
				if (Files.isSymbolicLink(target) || Files.exists(target, LinkOption.NOFOLLOW_LINKS)
						&& !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
					throw refused(what, entry, "a file or link of that name exists");
				}
				Files.createDirectories(target);
			}
			else if (entry.isSymbolicLink()) {
				Files.createDirectories(target.getParent());
				Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
			}
			else if (entry.isFile()) {
				Files.createDirectories(target.getParent());
				try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
						StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
					int n;
					while ((n = entries.read(buffer)) != -1) {
						out.write(buffer, 0, n);
					}
				}
				catch (java.nio.file.FileAlreadyExistsException ex) {
					throw refused(what, entry, "an entry of that name was written before");
				}
			}
			else {
				throw refused(what, entry, "it is not a file, directory or symbolic link");
			}
			if (!entry.isSymbolicLink()) {
				Files.setPosixFilePermissions(target, permissions(entry.getMode()));
				Files.setLastModifiedTime(target,
						java.nio.file.attribute.FileTime.from(entry.getModTime().toInstant()));
			}
			ToolProcess.handToServerUser(target);
		}
	}

	/**
	 * Refuses a path whose existing parents under {@code root} include a symbolic link.
	 */
	private static void requireNoLinkOnTheWay(Path root, Path target, String what, TarArchiveEntry entry) {
		Path walked = root;
		for (Path part : root.relativize(target.getParent() == null ? root : target.getParent())) {
			walked = walked.resolve(part);
			if (Files.isSymbolicLink(walked)) {
				throw refused(what, entry, "its path passes through the symbolic link " + root.relativize(walked));
			}
		}
	}

	private static RedoubtException refused(String what, TarArchiveEntry entry, String why) {
		return new RedoubtException(ErrorCode.CORRUPT_OBJECT,
				what + " holds the entry " + entry.getName() + ", which is refused: " + why);
	}

	private static Set<PosixFilePermission> permissions(int mode) {
		Set<PosixFilePermission> permissions = java.util.EnumSet.noneOf(PosixFilePermission.class);
		PosixFilePermission[] bits = { PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
				PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
				PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
				PosixFilePermission.OWNER_READ };
		for (int i = 0; i < bits.length; i++) {
			if ((mode & (1 << i)) != 0) {
				permissions.add(bits[i]);
			}
		}
		return permissions;
	}

	/** The decoded chunks one after the other, fetched ahead. */
	private static final class ChunkStream extends InputStream {

		private final Repository repository;

		private final Iterator<ChunkRef> pending;

		private final byte[] dataKey;

		private final ExecutorService fetchers;

		private final int ahead;

		private final Progress progress;

		private final Deque<CompletableFuture<byte[]>> fetched = new ArrayDeque<>();

		private final Deque<ChunkRef> inOrder = new ArrayDeque<>();

		private InputStream current = InputStream.nullInputStream();

		ChunkStream(Repository repository, List<ChunkRef> chunks, byte[] dataKey, ExecutorService fetchers, int ahead,
				Progress progress) {
			this.repository = repository;
			this.pending = chunks.iterator();
			this.dataKey = dataKey;
			this.fetchers = fetchers;
			this.ahead = ahead;
			this.progress = progress;
			fill();
		}

		private void fill() {
			while (this.fetched.size() < this.ahead && this.pending.hasNext()) {
				ChunkRef chunk = this.pending.next();
				this.inOrder.add(chunk);
				this.fetched.add(CompletableFuture.supplyAsync(() -> this.repository.readChunk(chunk), this.fetchers));
			}
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) == -1) ? -1 : (one[0] & 0xFF);
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			while (true) {
				int n = this.current.read(bytes, offset, length);
				if (n != -1) {
					return n;
				}
				if (this.fetched.isEmpty()) {
					return -1;
				}
				ChunkRef chunk = this.inOrder.removeFirst();
				byte[] stored;
				try {
					stored = this.fetched.removeFirst().join();
				}
				catch (java.util.concurrent.CompletionException ex) {
					throw new IOException(ex.getCause().getMessage(), ex.getCause());
				}
				fill();
				this.progress.advance(1, chunk.plainBytes(), 0);
				this.current = ChunkDecoder.open(stored, this.dataKey, this.repository.keys().chunkIdKey(), chunk.id());
			}
		}

	}

}
