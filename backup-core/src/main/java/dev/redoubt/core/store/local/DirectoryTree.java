package dev.redoubt.core.store.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * Private temporary directories, and removing a directory with everything in it:
 * temporary clusters, regions and scratch space.
 */
public final class DirectoryTree {

	private DirectoryTree() {
	}

	/**
	 * A new temporary directory only this user can enter (mode 0700): it holds schema
	 * archives and rows in transit.
	 * @throws RedoubtException {@code INTERNAL} if none can be created
	 */
	public static Path createPrivateTemp(String prefix) {
		try {
			return Files.createTempDirectory(prefix,
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot create a temporary directory: " + ex, ex);
		}
	}

	/**
	 * Deletes {@code root} and its contents, deepest first. Best effort: what cannot be
	 * deleted (already gone, permission) is left, since callers only clean temporary
	 * space.
	 */
	public static void delete(Path root) {
		// another process may be deleting the same tree (two sweeps of one stale
		// sandbox): a walk that meets a vanished entry starts again
		for (int attempt = 0; attempt < 5 && Files.exists(root); attempt++) {
			try (Stream<Path> paths = Files.walk(root)) {
				paths.sorted(Comparator.reverseOrder()).forEach((path) -> {
					try {
						Files.deleteIfExists(path);
					}
					catch (IOException ex) {
						// left behind in temporary space
					}
				});
			}
			catch (IOException | java.io.UncheckedIOException ex) {
				// the tree vanished under the walk, or cannot be read: look again
			}
		}
	}

}
