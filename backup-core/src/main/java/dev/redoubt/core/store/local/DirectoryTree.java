package dev.redoubt.core.store.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Removes a directory and everything in it: temporary clusters, regions and scratch
 * space.
 */
public final class DirectoryTree {

	private DirectoryTree() {
	}

	/**
	 * Deletes {@code root} and its contents, deepest first. Best effort: what cannot be
	 * deleted (already gone, permission) is left, since callers only clean temporary
	 * space.
	 */
	public static void delete(Path root) {
		if (!Files.exists(root)) {
			return;
		}
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
		catch (IOException ex) {
			// the tree vanished or cannot be read: nothing more to do
		}
	}

}
