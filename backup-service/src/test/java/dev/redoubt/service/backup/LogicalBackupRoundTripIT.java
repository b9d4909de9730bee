package dev.redoubt.service.backup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.testing.OpenPgpTestKeys;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
	void backupWrittenWithOpenPgpPublicKeysOnlyRestoresWithTheSecretKey() throws Exception {
		OpenPgpTestKeys.generate(keys, "dr-team", "dr-pass");
		RepositoryKeys.generateKeyFile(keys.resolve("master-pgp"));
		Files.writeString(keys.resolve("pass"), "dr-pass\n");
		RepositoryKeys writerKeys = RepositoryKeys.fromKeyFile(keys.resolve("master-pgp"),
				new RepositoryKeys.OpenPgp(List.of(keys.resolve("dr-team.pub.asc")), null, null));
		RepositoryKeys readerKeys = RepositoryKeys.fromKeyFile(keys.resolve("master-pgp"),
				new RepositoryKeys.OpenPgp(List.of(), keys.resolve("dr-team.sec.asc"), Secret.of("dr-pass")));
		BackupSettings settings = new BackupSettings(2, 1 << 20, 1, Duration.ofSeconds(10), null);
		String id;
		try (Repository writer = new Repository(s3.multiRegion("pgp"), writerKeys)) {
			id = new LogicalBackup(writer, Clock.systemUTC()).run("shop", source, settings).backupId();
			// the writing host cannot read what it wrote
			Manifest manifest = writer.readManifest("shop", BackupId.parse(id));
			assertThat(manifest.dataKey().type()).isEqualTo("openpgp");
			assertThatThrownBy(() -> writer.dataKey(manifest)).isInstanceOfSatisfying(RedoubtException.class,
					(ex) -> assertThat(ex.code()).isEqualTo(ErrorCode.WRONG_KEY));
		}
		try (Repository reader = new Repository(s3.multiRegion("pgp"), readerKeys)) {
			ConnectionSpec target = pg.createDatabase("shop_from_pgp");
			new RestoreEngine(reader, Clock.systemUTC())
				.restoreFull(RestoreRequest.full("shop").backup(BackupId.parse(id)).target(target).jobs(2).build());
			assertThat(DatabaseFingerprint.take(source).differences(DatabaseFingerprint.take(target))).isEmpty();
		}
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
			new RestoreEngine(repository, Clock.systemUTC()).restoreFull(RestoreRequest.full("shop")
				.backup(BackupId.parse(backup.backupId()))
				.target(target)
				.jobs(2)
				.build());

			DatabaseFingerprint before = DatabaseFingerprint.take(source);
			DatabaseFingerprint after = DatabaseFingerprint.take(target);
			assertThat(before.differences(after)).isEmpty();
			assertThat(before.tables()).hasSizeGreaterThan(25);
			assertThat(before.totalRows()).isGreaterThan(150_000);
		}
	}

}
