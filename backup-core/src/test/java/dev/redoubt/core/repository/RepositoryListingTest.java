package dev.redoubt.core.repository;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.SignedJson;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.store.local.LocalStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepositoryListingTest {

	@TempDir
	Path dir;

	private LocalStore west;

	private LocalStore central;

	private Repository repository;

	@BeforeEach
	void open() throws Exception {
		this.west = new LocalStore("west", this.dir.resolve("west"));
		this.central = new LocalStore("central", this.dir.resolve("central"));
		RepositoryKeys.generateKeyFile(this.dir.resolve("key"));
		this.repository = new Repository(new MultiRegionStore(List.of(this.west, this.central)),
				RepositoryKeys.fromKeyFile(this.dir.resolve("key")));
	}

	@Test
	void backupWithManifestEverywhereIsCompleteAndLatest() {
		BackupId id = writeBackup(Instant.parse("2026-11-21T10:00:00Z"), List.of(this.west, this.central), true);

		assertThat(this.repository.list("main")).singleElement()
			.satisfies((listing) -> assertThat(listing.status()).isEqualTo(BackupStatus.COMPLETE));
		assertThat(this.repository.resolve("main", "latest")).isEqualTo(id);
	}

	@Test
	void manifestInOneRegionWhileTheLockRemainsIsIncomplete() {
		BackupId good = writeBackup(Instant.parse("2026-11-21T10:00:00Z"), List.of(this.west, this.central), true);
		BackupId crashed = writeBackup(Instant.parse("2026-11-21T11:00:00Z"), List.of(this.west), false);

		assertThat(this.repository.list("main")).extracting(BackupListing::status)
			.containsExactly(BackupStatus.INCOMPLETE, BackupStatus.COMPLETE);
		assertThat(this.repository.resolve("main", "latest")).isEqualTo(good);
		assertThatThrownBy(() -> this.repository.resolve("main", crashed.value()))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.BACKUP_NOT_FOUND))
			.hasMessageContaining("is incomplete");
	}

	@Test
	void manifestLostByOneRegionAfterCompletionIsDegradedButRestorable() {
		BackupId id = writeBackup(Instant.parse("2026-11-21T10:00:00Z"), List.of(this.west, this.central), true);
		this.west.delete(RepositoryLayout.manifest("main", id));

		BackupListing listing = this.repository.list("main").get(0);

		assertThat(listing.status()).isEqualTo(BackupStatus.DEGRADED);
		assertThat(listing.regionsMissingManifest()).containsExactly("west");
		assertThat(this.repository.resolve("main", "latest")).isEqualTo(id);
	}

	@Test
	void aCommitLeftHalfWrittenIsFinishedFromTheSignedManifestAndNothingElse() {
		BackupWriter writer = this.repository.beginBackup("main", Instant.parse("2026-11-21T10:00:00Z"));
		byte[] manifest = SignedJson.sign("{\"formatVersion\":1}".getBytes(StandardCharsets.UTF_8),
				this.repository.keys().signingKey());
		this.west.create(RepositoryLayout.manifest("main", writer.id()), manifest);
		byte[] forged = "{\"formatVersion\":1}\nredoubt-signature: ed25519 x y\n".getBytes(StandardCharsets.UTF_8);

		assertThatThrownBy(() -> this.repository.completeCommit("main", writer.id(), forged))
			.isInstanceOf(RedoubtException.class);
		assertThat(this.central.head(RepositoryLayout.manifest("main", writer.id()))).isEmpty();

		assertThat(this.repository.completeCommit("main", writer.id(), manifest)).containsExactly("central");
		assertThat(this.central.read(RepositoryLayout.manifest("main", writer.id())).orElseThrow()).isEqualTo(manifest);
		assertThat(this.repository.list("main")).singleElement()
			.satisfies((listing) -> assertThat(listing.status()).isEqualTo(BackupStatus.COMPLETE));
		assertThat(this.repository.completeCommit("main", writer.id(), manifest)).as("done already").isEmpty();
	}

	@Test
	void localStoreNeverOverwrites() {
		this.west.create("a/b", "one".getBytes(StandardCharsets.UTF_8));

		assertThatThrownBy(() -> this.west.create("a/b", "two".getBytes(StandardCharsets.UTF_8)))
			.isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.OBJECT_EXISTS));
		assertThat(new String(this.west.read("a/b").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("one");
	}

	/**
	 * A backup whose lock is in both regions and whose manifest is in {@code manifestIn}.
	 */
	private BackupId writeBackup(Instant at, List<ObjectStore> manifestIn, boolean removeLock) {
		BackupWriter writer = this.repository.beginBackup("main", at);
		byte[] manifest = "{\"formatVersion\":1}\nredoubt-signature: ed25519 x y\n".getBytes(StandardCharsets.UTF_8);
		for (ObjectStore region : manifestIn) {
			region.create(RepositoryLayout.manifest("main", writer.id()), manifest);
		}
		if (removeLock) {
			this.west.delete(RepositoryLayout.lock("main", writer.id()));
			this.central.delete(RepositoryLayout.lock("main", writer.id()));
		}
		return writer.id();
	}

}
