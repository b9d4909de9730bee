package dev.redoubt.service.backup;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreOptions;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;

class LogicalBackupRoundTripIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path keys;

	static ConnectionSpec source;

	@BeforeAll
	static void loadSample() {
		SampleDatabase.create(pg.cluster(), "shop", pg.scratch());
		source = pg.connection("shop");
	}

	@Test
	void restoresEveryTableSequenceAndLargeObjectFromTwoRegions() throws Exception {
		RepositoryKeys.generateKeyFile(keys.resolve("kek"));
		RepositoryKeys repositoryKeys = RepositoryKeys.fromKeyFile(keys.resolve("kek"));
		try (Repository repository = new Repository(s3.multiRegion("roundtrip"), repositoryKeys)) {
			BackupSettings settings = new BackupSettings(2, 256 * 1024, 1, Duration.ofSeconds(10), null);

			BackupResult backup = new LogicalBackup(repository, Clock.systemUTC()).run("shop", source, settings);

			Manifest manifest = repository.readManifest("shop", BackupId.parse(backup.backupId()));
			TableEntry orders = manifest.tables()
				.stream()
				.filter((t) -> t.name().equals("orders"))
				.findFirst()
				.orElseThrow();
			assertThat(orders.chunks()).hasSizeGreaterThan(3);
			assertThat(orders.keyColumn()).isEqualTo("id");
			assertThat(manifest.largeObjects().count()).isEqualTo(6);
			ConnectionSpec target = pg.createDatabase("shop_restored");
			new RestoreEngine(repository, Clock.systemUTC()).restoreFull("shop", BackupId.parse(backup.backupId()),
					target, new RestoreOptions(2, false, false));

			DatabaseFingerprint before = DatabaseFingerprint.take(source);
			DatabaseFingerprint after = DatabaseFingerprint.take(target);
			assertThat(before.differences(after)).isEmpty();
			assertThat(before.tables()).hasSizeGreaterThan(25);
			assertThat(before.totalRows()).isGreaterThan(150_000);
		}
	}

}
