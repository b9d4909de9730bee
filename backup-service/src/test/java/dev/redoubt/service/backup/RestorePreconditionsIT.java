package dev.redoubt.service.backup;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.ManifestCodec;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
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
 * A restore checks before it writes: a target older than the backup is refused, and a
 * zero-length object under a chunk's key is a corrupt copy (read from the other region),
 * never an empty chunk; both regions empty fails with nothing loaded.
 */
class RestorePreconditionsIT {

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
		pg.sql("shop", "CREATE TABLE public.orders (id int PRIMARY KEY, note text);"
				+ " INSERT INTO public.orders SELECT g, 'n' || g FROM generate_series(1, 5000) g");
	}

	@Test
	void aTargetOlderThanTheBackupIsRefusedBeforeAnythingIsLoaded() throws Exception {
		try (Repository repository = new Repository(s3.multiRegion("older"), keys)) {
			BackupId id = backup(repository);
			Manifest manifest = repository.readManifest("shop", id);
			Manifest.SourceIdentity newer = new Manifest.SourceIdentity(manifest.source().name(),
					manifest.source().systemIdentifier(), "16.4", 160004, manifest.source().database());
			Manifest forged = new Manifest(manifest.formatVersion(), manifest.backupId(), manifest.type(),
					manifest.startedAt(), manifest.completedAt(), newer, manifest.snapshot(), manifest.dataKey(),
					manifest.schema(), manifest.tables(), manifest.sequences(), manifest.largeObjects(),
					manifest.materializedViews(), manifest.tools(), manifest.schemaVersion(), manifest.sequence());
			byte[] signed = ManifestCodec.encode(forged, keys.signingKey());
			for (ObjectStore region : repository.store().regions()) {
				region.delete(RepositoryLayout.manifest("shop", id));
				region.create(RepositoryLayout.manifest("shop", id), signed);
			}
			ConnectionSpec target = pg.createDatabase("older_target");
			assertThatThrownBy(() -> new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("shop").backup(id).target(target).jobs(2).build()))
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.TARGET_TOO_OLD))
				.hasMessageContaining("runs PostgreSQL 15, older than the 16 backup");
			assertThat(DatabaseFingerprint.take(target).tables()).isEmpty();
		}
	}

	@Test
	void aZeroLengthChunkIsCorruptNeverEmpty() throws Exception {
		try (Repository repository = new Repository(s3.multiRegion("zero"), keys)) {
			BackupId id = backup(repository);
			ChunkRef chunk = repository.readManifest("shop", id).tables().get(0).chunks().get(0);
			ObjectStore west = repository.store().regions().get(0);
			west.delete(chunk.key());
			west.create(chunk.key(), new byte[0]);
			ConnectionSpec fromCentral = pg.createDatabase("zero_one_region");
			new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("shop").backup(id).target(fromCentral).jobs(2).build());
			assertThat(
					DatabaseFingerprint.take(pg.connection("shop")).differences(DatabaseFingerprint.take(fromCentral)))
				.isEmpty();

			ObjectStore central = repository.store().regions().get(1);
			central.delete(chunk.key());
			central.create(chunk.key(), new byte[0]);
			ConnectionSpec nowhere = pg.createDatabase("zero_both_regions");
			assertThatThrownBy(() -> new RestoreEngine(repository, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("shop").backup(id).target(nowhere).jobs(2).build()))
				.isInstanceOfSatisfying(RedoubtException.class,
						(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.CORRUPT_OBJECT))
				.hasMessageContaining(chunk.key());
		}
	}

	private static BackupId backup(Repository repository) {
		return BackupId.parse(new LogicalBackup(repository, Clock.systemUTC())
			.run("shop", pg.connection("shop"), new BackupSettings(2, 1 << 20, 1, Duration.ofSeconds(10), null))
			.backupId());
	}

}
