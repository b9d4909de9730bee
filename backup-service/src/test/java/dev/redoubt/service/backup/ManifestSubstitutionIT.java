package dev.redoubt.service.backup;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.BackupListing;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A validly signed manifest is accepted only where it was written: under its own backup
 * id and source, and, for {@code latest}, with a sequence above the backup before it.
 * Each case below was accepted before (and {@code latest} restored stale data).
 */
class ManifestSubstitutionIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	static RepositoryKeys keys;

	@BeforeAll
	static void database() throws Exception {
		RepositoryKeys.generateKeyFile(work.resolve("kek"));
		keys = RepositoryKeys.fromKeyFile(work.resolve("kek"));
		pg.createDatabase("shop");
		pg.sql("shop", "CREATE TABLE public.orders (id int PRIMARY KEY); INSERT INTO public.orders VALUES (1), (2)");
	}

	@Test
	void aManifestCopiedUnderAnotherIdOrSourceIsRefusedAndTheOtherRegionsCopyServes() throws Exception {
		try (Repository repository = new Repository(s3.multiRegion("placement"), keys)) {
			BackupId older = backup(repository, "shop");
			BackupId newer = backup(repository, "shop");
			BackupId elsewhere = backup(repository, "crm");
			assertThat(repository.readManifest("shop", newer).sequence())
				.isEqualTo(repository.readManifest("shop", older).sequence() + 1);
			ObjectStore west = repository.store().regions().get(0);
			String newerKey = RepositoryLayout.manifest("shop", newer);

			// the older manifest, validly signed, under the newer id in one region
			replace(west, newerKey, west.read(RepositoryLayout.manifest("shop", older)).orElseThrow());
			assertThat(repository.readManifest("shop", newer).backupId()).isEqualTo(newer.value());
			try (Repository westOnly = repository.onlyRegion("eu-west")) {
				assertThatThrownBy(() -> westOnly.readManifest("shop", newer))
					.isInstanceOfSatisfying(RedoubtException.class,
							(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.MANIFEST_SUBSTITUTED))
					.hasMessageContaining("is a manifest of backup " + older + " of source shop, not of backup " + newer
							+ " of source shop");
				// another source's manifest
				replace(west, newerKey, west.read(RepositoryLayout.manifest("crm", elsewhere)).orElseThrow());
				assertThatThrownBy(() -> westOnly.readManifest("shop", newer))
					.isInstanceOfSatisfying(RedoubtException.class,
							(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.MANIFEST_SUBSTITUTED))
					.hasMessageContaining("of source crm");
			}
			everyListedBackupRestoresToTheSource(repository, "shop", 2);
			everyListedBackupRestoresToTheSource(repository, "crm", 1);
		}
	}

	@Test
	void latestRefusesANewestBackupWhoseSequenceIsNotAboveTheOneBefore() throws Exception {
		try (Repository repository = new Repository(s3.multiRegion("rollback"), keys)) {
			BackupId first = backup(repository, "shop");
			BackupId second = backup(repository, "shop");
			assertThat(repository.resolve("shop", "latest")).isEqualTo(second);
			// a newer id holding the first backup's place in the sequence, signed with
			// the
			// repository's key (a rolled-back writer, or ids from a clock that went back)
			Manifest stale = repository.readManifest("shop", first);
			BackupId newest = BackupId.parse("2999" + second.value().substring(4));
			Manifest forged = new Manifest(stale.formatVersion(), newest.value(), stale.type(), stale.startedAt(),
					Instant.now(), stale.source(), stale.snapshot(), stale.dataKey(), stale.schema(), stale.tables(),
					stale.sequences(), stale.largeObjects(), stale.materializedViews(), stale.tools(),
					stale.schemaVersion(), stale.sequence());
			byte[] signed = ManifestCodec.encode(forged, keys.signingKey());
			repository.store().createEverywhere(RepositoryLayout.manifest("shop", newest), signed, signed.length);

			assertThatThrownBy(() -> repository.resolve("shop", "latest"))
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.MANIFEST_SUBSTITUTED))
				.hasMessageContaining("manifest sequence " + stale.sequence() + " of backup " + newest)
				.hasMessageContaining("is not above " + (stale.sequence() + 1) + " of the older backup " + second);
			// a backup named explicitly still restores
			assertThat(repository.resolve("shop", second.value())).isEqualTo(second);
			repository.store().deleteEverywhere(RepositoryLayout.manifest("shop", newest));
			everyListedBackupRestoresToTheSource(repository, "shop", 2);
		}
	}

	/**
	 * The history check of these tampering tests (the source never changes here): every
	 * backup of {@code source} the repository lists as restorable is one this class took,
	 * and restores to the source's content, whatever copy of its manifest was tampered
	 * with in one region.
	 */
	private static void everyListedBackupRestoresToTheSource(Repository repository, String source, int expected)
			throws Exception {
		DatabaseFingerprint original = DatabaseFingerprint.take(pg.connection("shop"));
		List<BackupListing> restorable = repository.list(source).stream().filter(BackupListing::restorable).toList();
		assertThat(restorable).as("the backups of " + source + " listed restorable").hasSize(expected);
		for (BackupListing backup : restorable) {
			ConnectionSpec target = pg.createDatabase("history_" + source + "_" + RESTORES.incrementAndGet());
			new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full(source).backup(backup.id()).target(target).jobs(1).build());
			assertThat(original.differences(DatabaseFingerprint.take(target)))
				.as("backup " + backup.id() + " of " + source + " restores to the source's content")
				.isEmpty();
		}
	}

	private static final AtomicInteger RESTORES = new AtomicInteger();

	private static BackupId backup(Repository repository, String source) {
		return BackupId.parse(new LogicalBackup(repository, Clock.systemUTC())
			.run(source, pg.connection("shop"), new BackupSettings(1, 1 << 20, 1, Duration.ofSeconds(10), null))
			.backupId());
	}

	private static void replace(ObjectStore region, String key, byte[] bytes) {
		region.delete(key);
		region.create(key, bytes);
	}

}
