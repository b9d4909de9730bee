package dev.redoubt.core.store.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;

/**
 * A region on a local or mounted filesystem: one file per object under a root directory.
 *
 * <p>
 * Create-only is enforced with a hard link from a fully written, fsynced temporary file:
 * {@code link(2)} fails if the name exists, where {@code rename(2)} would silently
 * replace.
 */
public final class LocalStore implements ObjectStore {

	private static final String TEMP_SUFFIX = ".redoubt-tmp";

	private final String name;

	private final Path root;

	public LocalStore(String name, Path root) {
		this.name = name;
		this.root = root.toAbsolutePath();
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public void create(String key, byte[] data, int offset, int length) {
		Path target = resolve(key);
		Path temp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + "."
				+ Thread.currentThread().getId() + TEMP_SUFFIX);
		try {
			Files.createDirectories(target.getParent());
			try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
					StandardOpenOption.WRITE)) {
				channel.write(java.nio.ByteBuffer.wrap(data, offset, length));
				channel.force(true);
			}
			Files.createLink(target, temp);
		}
		catch (FileAlreadyExistsException ex) {
			throw new RedoubtException(ErrorCode.OBJECT_EXISTS,
					"object " + key + " already exists in region " + this.name + "; objects are never overwritten");
		}
		catch (IOException ex) {
			throw failure("write", key, ex);
		}
		finally {
			try {
				Files.deleteIfExists(temp);
			}
			catch (IOException ignored) {
				// a leftover temp file is ignored by list() and harmless
			}
		}
	}

	@Override
	public Optional<byte[]> read(String key) {
		try {
			return Optional.of(Files.readAllBytes(resolve(key)));
		}
		catch (NoSuchFileException ex) {
			return Optional.empty();
		}
		catch (IOException ex) {
			throw failure("read", key, ex);
		}
	}

	@Override
	public Optional<byte[]> read(String key, long offset, int length) {
		try (InputStream in = Files.newInputStream(resolve(key))) {
			in.skipNBytes(offset);
			return Optional.of(in.readNBytes(length));
		}
		catch (NoSuchFileException ex) {
			return Optional.empty();
		}
		catch (java.io.EOFException ex) {
			return Optional.of(new byte[0]);
		}
		catch (IOException ex) {
			throw failure("read", key, ex);
		}
	}

	@Override
	public Optional<ObjectInfo> head(String key) {
		Path file = resolve(key);
		try {
			return Optional.of(new ObjectInfo(key, Files.size(file)));
		}
		catch (NoSuchFileException ex) {
			return Optional.empty();
		}
		catch (IOException ex) {
			throw failure("inspect", key, ex);
		}
	}

	@Override
	public List<ObjectInfo> list(String prefix) {
		if (!Files.isDirectory(this.root)) {
			return List.of();
		}
		List<ObjectInfo> result = new ArrayList<>();
		try (Stream<Path> files = Files.walk(this.root)) {
			files.filter(Files::isRegularFile).forEach((file) -> {
				String key = this.root.relativize(file).toString().replace('\\', '/');
				if (key.startsWith(prefix) && !key.endsWith(TEMP_SUFFIX)) {
					try {
						result.add(new ObjectInfo(key, Files.size(file), Files.getLastModifiedTime(file).toInstant()));
					}
					catch (IOException ex) {
						// deleted while listing: not there any more
					}
				}
			});
		}
		catch (IOException ex) {
			throw failure("list", prefix, ex);
		}
		result.sort(java.util.Comparator.comparing(ObjectInfo::key));
		return result;
	}

	@Override
	public List<String> listChildren(String prefix) {
		Path directory = resolve(prefix);
		if (!Files.isDirectory(directory)) {
			return List.of();
		}
		try (Stream<Path> children = Files.list(directory)) {
			return children.filter(Files::isDirectory).map((p) -> p.getFileName().toString()).sorted().toList();
		}
		catch (IOException ex) {
			throw failure("list", prefix, ex);
		}
	}

	@Override
	public void delete(String key) {
		try {
			Files.deleteIfExists(resolve(key));
		}
		catch (IOException ex) {
			throw failure("delete", key, ex);
		}
	}

	private Path resolve(String key) {
		Path file = this.root.resolve(key).normalize();
		if (!file.startsWith(this.root)) {
			throw new IllegalArgumentException("object key escapes the store: " + key);
		}
		return file;
	}

	private RedoubtException failure(String action, String key, IOException ex) {
		return new RedoubtException(ErrorCode.REGION_UNREACHABLE,
				"cannot " + action + " object " + key + " in region " + this.name + " (" + this.root + "): " + ex, ex);
	}

}
