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
import org.apache.commons.io.input.BoundedInputStream;

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
	 * What an extraction wrote.
	 *
	 * @param tarBytes bytes of the tar stream unpacked (all of it, or the members
	 * selected)
	 * @param storedBytes bytes read from the repository (the chunks, as stored)
	 * @param leftOutFiles files written zero-filled instead of fetched
	 * @param leftOutBytes their size
	 */
	record Extracted(long tarBytes, long storedBytes, int leftOutFiles, long leftOutBytes) {
	}

	/** Every file of the base backup. */
	static Extracted extract(Repository repository, BaseBackupManifest manifest, Path dataDirectory, int jobs) {
		return extract(repository, manifest, dataDirectory, jobs, FileSelection.all());
	}

	/**
	 * The files {@code selection} fetches, read through the manifest's member index (only
	 * the chunks that hold them); every other one as a zero-filled (sparse) file of its
	 * size. A manifest without the index, or a selection of every file, reads the whole
	 * stream.
	 */
	static Extracted extract(Repository repository, BaseBackupManifest manifest, Path dataDirectory, int jobs,
			FileSelection selection) {
		byte[] dataKey = repository.keys().keyEncryptionKey().unwrap(manifest.dataKey(), manifest.backupId());
		boolean partial = selection.isPartial() && manifest.files() != null;
		List<Range> ranges = partial ? Range.plan(manifest, selection) : List.of(new Range(0, manifest.tarBytes()));
		List<ChunkRef> chunks = ranges.stream().flatMap((range) -> range.chunks(manifest).stream()).distinct().toList();
		ExecutorService fetchers = Executors.newFixedThreadPool(Math.max(1, jobs), (task) -> {
			Thread thread = new Thread(task, "redoubt-base-fetch");
			thread.setDaemon(true);
			return thread;
		});
		Progress progress = Progress.start("restore base backup " + manifest.backupId(), chunks.size(),
				chunks.stream().mapToLong(ChunkRef::plainBytes).sum());
		String what = "base backup " + manifest.backupId();
		// the chunk a range ends in is often the one the next starts in: fetched once
		RecentChunks recent = new RecentChunks(Math.max(2, jobs + 1));
		try {
			long unpacked = 0;
			for (Range range : ranges) {
				List<ChunkRef> covering = range.chunks(manifest);
				long skip = range.start() - range.chunkStart(manifest);
				try (InputStream chunkStream = new ChunkStream(repository, covering, dataKey, fetchers,
						Math.max(1, jobs), progress, recent);
						InputStream tar = BoundedInputStream.builder()
							.setInputStream(chunkStream)
							.setMaxCount(skip + range.length())
							.get();
						TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
					tar.skipNBytes(skip);
					unpack(entries, dataDirectory, what);
					tar.transferTo(OutputStream.nullOutputStream());
				}
				unpacked += range.length();
			}
			long leftOutBytes = 0;
			int leftOutFiles = 0;
			if (partial) {
				for (BaseBackupManifest.TarMember member : manifest.files()) {
					if (!selection.fetches(member.path())) {
						writeZeroFilled(dataDirectory, member, what);
						leftOutFiles++;
						leftOutBytes += member.size();
					}
				}
			}
			return new Extracted(unpacked, recent.fetchedBytes(), leftOutFiles, leftOutBytes);
		}
		catch (CorruptDataException ex) {
			throw new RedoubtException(ErrorCode.CORRUPT_OBJECT, what + " is corrupt: " + ex.getMessage(), ex);
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
	 * A file left out: zero-filled (sparse, so it takes no disk) at its size, where the
	 * manifest's index puts it, inside the data directory and through no link.
	 */
	private static void writeZeroFilled(Path dataDirectory, BaseBackupManifest.TarMember member, String what)
			throws IOException {
		Path root = dataDirectory.toAbsolutePath().normalize();
		Path target = root.resolve(member.path()).normalize();
		TarArchiveEntry entry = new TarArchiveEntry(member.path());
		if (!target.startsWith(root) || target.equals(root) || member.path().startsWith("/") || member.size() < 0) {
			throw refused(what, entry, "it lies outside the data directory");
		}
		requireNoLinkOnTheWay(root, target, what, entry);
		Files.createDirectories(target.getParent());
		try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(target,
				StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
			if (member.size() > 0) {
				file.write(java.nio.ByteBuffer.allocate(1), member.size() - 1);
			}
		}
		catch (java.nio.file.FileAlreadyExistsException ex) {
			throw refused(what, entry, "an entry of that name was written before");
		}
		Files.setPosixFilePermissions(target, permissions(0600));
		ToolProcess.handToServerUser(target);
	}

	/**
	 * A run of consecutive tar members to fetch, from the first one's headers to where
	 * the member after the last one starts (or the stream ends).
	 */
	record Range(long start, long end) {

		long length() {
			return this.end - this.start;
		}

		static List<Range> plan(BaseBackupManifest manifest, FileSelection selection) {
			List<BaseBackupManifest.TarMember> members = manifest.files();
			List<Range> ranges = new java.util.ArrayList<>();
			int i = 0;
			while (i < members.size()) {
				if (!selection.fetches(members.get(i).path())) {
					i++;
					continue;
				}
				long start = members.get(i).offset();
				while (i < members.size() && selection.fetches(members.get(i).path())) {
					i++;
				}
				long end = (i < members.size()) ? members.get(i).offset() : manifest.tarBytes();
				ranges.add(new Range(start, end));
			}
			return ranges;
		}

		/** The chunks that hold any byte of the range, in order. */
		List<ChunkRef> chunks(BaseBackupManifest manifest) {
			List<ChunkRef> covering = new java.util.ArrayList<>();
			long at = 0;
			for (ChunkRef chunk : manifest.chunks()) {
				long next = at + chunk.plainBytes();
				if (next > this.start && at < this.end) {
					covering.add(chunk);
				}
				at = next;
			}
			return covering;
		}

		/** Where the first chunk of the range starts in the stream. */
		long chunkStart(BaseBackupManifest manifest) {
			long at = 0;
			for (ChunkRef chunk : manifest.chunks()) {
				if (at + chunk.plainBytes() > this.start) {
					return at;
				}
				at += chunk.plainBytes();
			}
			return at;
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

	/**
	 * The chunks fetched last (as stored, verified when decoded), so that consecutive
	 * ranges sharing a chunk fetch it once; and the bytes fetched.
	 */
	private static final class RecentChunks {

		private final int keep;

		private final java.util.LinkedHashMap<String, CompletableFuture<byte[]>> chunks = new java.util.LinkedHashMap<>();

		private final Set<String> used = new java.util.HashSet<>();

		private long fetchedBytes;

		RecentChunks(int keep) {
			this.keep = keep;
		}

		synchronized CompletableFuture<byte[]> get(ChunkRef chunk,
				java.util.function.Supplier<CompletableFuture<byte[]>> fetch) {
			CompletableFuture<byte[]> known = this.chunks.get(chunk.key());
			if (known != null) {
				return known;
			}
			CompletableFuture<byte[]> fetched = fetch.get();
			this.fetchedBytes += chunk.storedBytes();
			this.chunks.put(chunk.key(), fetched);
			if (this.chunks.size() > this.keep) {
				this.chunks.remove(this.chunks.keySet().iterator().next());
			}
			return fetched;
		}

		/** Whether this is the first time the chunk is read (for progress). */
		synchronized boolean firstUse(ChunkRef chunk) {
			return this.used.add(chunk.key());
		}

		synchronized long fetchedBytes() {
			return this.fetchedBytes;
		}

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

		private final RecentChunks recent;

		private InputStream current = InputStream.nullInputStream();

		ChunkStream(Repository repository, List<ChunkRef> chunks, byte[] dataKey, ExecutorService fetchers, int ahead,
				Progress progress, RecentChunks recent) {
			this.repository = repository;
			this.pending = chunks.iterator();
			this.dataKey = dataKey;
			this.fetchers = fetchers;
			this.ahead = ahead;
			this.progress = progress;
			this.recent = recent;
			fill();
		}

		private void fill() {
			while (this.fetched.size() < this.ahead && this.pending.hasNext()) {
				ChunkRef chunk = this.pending.next();
				this.inOrder.add(chunk);
				this.fetched.add(this.recent.get(chunk,
						() -> CompletableFuture.supplyAsync(() -> this.repository.readChunk(chunk), this.fetchers)));
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
				boolean first = this.recent.firstUse(chunk);
				this.progress.advance(first ? 1 : 0, first ? chunk.plainBytes() : 0, 0);
				this.current = ChunkDecoder.open(stored, this.dataKey, this.repository.keys().chunkIdKey(), chunk.id());
			}
		}

	}

}
