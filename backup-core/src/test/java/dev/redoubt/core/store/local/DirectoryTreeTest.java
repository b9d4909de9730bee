package dev.redoubt.core.store.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two deletions of one tree at once (two sweeps of one stale sandbox): neither throws,
 * and the tree is gone. A walk used to fail when an entry vanished under it.
 */
class DirectoryTreeTest {

	@TempDir
	Path work;

	@Test
	void twoDeletionsOfOneTreeAtOnceBothEndAndLeaveNothing() throws Exception {
		for (int round = 0; round < 5; round++) {
			Path root = Files.createDirectories(this.work.resolve("sandbox-" + round));
			for (int d = 0; d < 40; d++) {
				Path directory = Files.createDirectories(root.resolve("cluster/data/base/" + d));
				for (int f = 0; f < 40; f++) {
					Files.writeString(directory.resolve(Integer.toString(f)), "x");
				}
			}
			CountDownLatch start = new CountDownLatch(1);
			Runnable delete = () -> {
				try {
					start.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				DirectoryTree.delete(root);
			};
			CompletableFuture<Void> first = CompletableFuture.runAsync(delete);
			CompletableFuture<Void> second = CompletableFuture.runAsync(delete);
			start.countDown();
			first.get();
			second.get();
			assertThat(root).doesNotExist();
		}
	}

}
