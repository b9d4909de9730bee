package dev.redoubt.core.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.local.LocalStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An archive holds the WAL of one cluster: a segment of another cluster (another system
 * identifier: a re-initdb'd server, or a second one pointed at the same source) is
 * refused before anything is stored, and a timeline history file re-pushed with other
 * content is refused as a segment would be.
 */
class WalArchiveClusterTest {

	@TempDir
	Path dir;

	@Test
	void aSegmentOfAnotherClusterIsRefusedAndNothingIsStored() throws Exception {
		try (Repository repository = repository()) {
			WalArchive archive = new WalArchive(repository, "main");
			WalArchive.Writer writer = archive.writer(1);
			assertThat(writer.push("000000010000000000000001", segment(7001L), 64)).isTrue();
			assertThat(writer.push("000000010000000000000002", segment(7001L), 64)).isTrue();
			assertThatThrownBy(() -> writer.push("000000010000000000000003", segment(9002L), 64))
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WAL_CONFLICT))
				.hasMessageContaining("system identifier 9002")
				.hasMessageContaining("cluster 7001");
			assertThat(archive.fetch("000000010000000000000003")).isEmpty();
			// a new writer (a restarted archiver) knows the archive's cluster from the
			// repository
			assertThatThrownBy(() -> new WalArchive(repository, "main").writer(1)
				.push("000000010000000000000004", segment(9002L), 64)).isInstanceOf(RedoubtException.class);
			// another source is another archive
			assertThat(
					new WalArchive(repository, "other").writer(1).push("000000010000000000000001", segment(9002L), 64))
				.isTrue();
		}
	}

	@Test
	void aHistoryFileRePushedWithOtherContentIsRefused() throws Exception {
		try (Repository repository = repository()) {
			WalArchive.Writer writer = new WalArchive(repository, "main").writer(1);
			byte[] history = "1\t0/3000000\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII);
			assertThat(writer.push("00000002.history", history, history.length)).isTrue();
			assertThat(writer.push("00000002.history", history, history.length)).isFalse();
			byte[] other = "1\t0/5000000\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII);
			assertThatThrownBy(() -> writer.push("00000002.history", other, other.length)).isInstanceOfSatisfying(
					RedoubtException.class, (ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WAL_CONFLICT));
			assertThat(new WalArchive(repository, "main").fetch("00000002.history")).hasValue(history);
		}
	}

	private Repository repository() throws Exception {
		Path key = this.dir.resolve("key-" + System.nanoTime());
		RepositoryKeys.generateKeyFile(key);
		return new Repository(new MultiRegionStore(
				List.of(new LocalStore("a", this.dir.resolve("a")), new LocalStore("b", this.dir.resolve("b")))),
				RepositoryKeys.fromKeyFile(key));
	}

	/** The first bytes of a WAL segment: a long page header naming the cluster. */
	private static byte[] segment(long systemIdentifier) {
		ByteBuffer page = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
		page.putShort(0, (short) 0xD110); // XLOG_PAGE_MAGIC of PostgreSQL 15
		page.putShort(2, (short) 0x0002); // XLP_LONG_HEADER
		page.putInt(4, 1); // timeline
		page.putLong(24, systemIdentifier);
		page.putInt(32, 16 * 1024 * 1024);
		page.putInt(36, 8192);
		return page.array();
	}

}
