package dev.redoubt.service.backup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.repository.SourceLease;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.core.secret.Secret;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.service.retention.Retention;
import dev.redoubt.service.retention.RetentionPolicy;
import dev.redoubt.service.retention.RetentionReport;
import dev.redoubt.testing.OpenPgpTestKeys;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logical backups that share chunks (format 2), against real PostgreSQL and two S3Proxy
 * regions: a nightly backup after an OLTP day's churn uploads what changed; every backup
 * restores alone; expiring one never breaks another; the sweep removes what no manifest
 * references, only past the grace period and never while a backup holds the lease.
 */
class SharedChunksIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path keys;

	static final BackupSettings SHARED = new BackupSettings(2, 256 * 1024, 1, Duration.ofSeconds(10), null)
		.withSharedChunks(true);

	@BeforeAll
	static void keyFile() throws Exception {
		RepositoryKeys.generateKeyFile(keys.resolve("master"));
	}

	@Test
	void aNightlyBackupUploadsWhatChangedAndEveryBackupRestoresAloneAfterTheOtherExpires() throws Exception {
		SampleDatabase.create(pg.cluster(), "nightly", pg.scratch());
		ConnectionSpec source = pg.connection("nightly");
		try (Repository repository = new Repository(s3.multiRegion("nightly"),
				RepositoryKeys.fromKeyFile(keys.resolve("master")))) {
			BackupResult first = new LogicalBackup(repository, Clock.systemUTC()).run("nightly", source, SHARED);
			DatabaseFingerprint atFirst = DatabaseFingerprint.take(source);
			Manifest firstManifest = repository.readManifest("nightly", BackupId.parse(first.backupId()));
			assertThat(firstManifest.formatVersion()).isEqualTo(Manifest.FORMAT_VERSION_SHARED_CHUNKS);
			assertThat(firstManifest.allChunks()).extracting(ChunkRef::key)
				.allMatch((k) -> k.startsWith("nightly/chunks/"));
			assertThat(first.uploadedBytes()).as("the first backup uploads everything it stores")
				.isEqualTo(distinctStored(firstManifest));
			Set<String> objectsAfterFirst = objects("eu-west");

			// an OLTP day: the newest 1% of orders updated, 1% new, the oldest 0.1% gone
			pg.sql("nightly", "UPDATE public.orders SET amount = amount + 1 WHERE id > 59400");
			pg.sql("nightly", "INSERT INTO public.orders (customer_id, amount, created_at)"
					+ " SELECT g % 997, 1, now() FROM generate_series(1, 600) g");
			pg.sql("nightly", "DELETE FROM public.order_lines WHERE order_id <= 60");
			pg.sql("nightly", "DELETE FROM public.orders WHERE id <= 60");
			// a restore refreshes materialized views: the source's is fresh too
			pg.sql("nightly", "REFRESH MATERIALIZED VIEW public.order_totals");
			BackupResult second = new LogicalBackup(repository, Clock.systemUTC()).run("nightly", source, SHARED);
			DatabaseFingerprint atSecond = DatabaseFingerprint.take(source);
			Manifest secondManifest = repository.readManifest("nightly", BackupId.parse(second.backupId()));
			Set<String> newObjects = new HashSet<>(objects("eu-west"));
			newObjects.removeAll(objectsAfterFirst);
			long newBytes = secondManifest.allChunks()
				.stream()
				.filter((chunk) -> newObjects.contains(chunk.key()))
				.collect(Collectors.toMap(ChunkRef::key, ChunkRef::storedBytes, (a, b) -> a))
				.values()
				.stream()
				.mapToLong(Long::longValue)
				.sum();
			assertThat(second.uploadedBytes()).as("what it says it uploaded is what appeared at the store")
				.isEqualTo(newBytes);
			assertThat(second.uploadedBytes()).as("the unchanged page ranges are referenced, not uploaded again")
				.isLessThan(distinctStored(secondManifest) / 4)
				.isPositive();

			// each restores alone to its own moment
			assertThat(atFirst.differences(restore(repository, first, "nightly_first"))).isEmpty();
			assertThat(atSecond.differences(restore(repository, second, "nightly_second"))).isEmpty();

			// the first expires; within the grace period its own chunks stay
			Retention retention = new Retention(repository, Clock.systemUTC(), Duration.ofHours(1));
			RetentionPolicy keepOne = new RetentionPolicy(1, 0, 0, 0, 0, ZoneOffset.UTC);
			RetentionReport young = retention.run("nightly", keepOne, false);
			assertThat(young.expired()).containsExactly(first.backupId());
			assertThat(young.sharedChunks().swept()).isZero();
			assertThat(young.sharedChunks().young()).isPositive();
			Set<String> onlyFirst = keysOf(firstManifest);
			onlyFirst.removeAll(keysOf(secondManifest));
			assertThat(onlyFirst).isNotEmpty();
			assertThat(objects("eu-west")).containsAll(onlyFirst);

			// past it, they go, in both regions; nothing the second references does
			RetentionReport swept = new Retention(repository, Clock.systemUTC(), Duration.ZERO).run("nightly", keepOne,
					false);
			assertThat(swept.sharedChunks().swept()).isEqualTo(onlyFirst.size());
			for (String region : List.of("eu-west", "eu-central")) {
				assertThat(objects(region)).as(region).doesNotContainAnyElementsOf(onlyFirst);
				assertThat(objects(region)).as(region).containsAll(keysOf(secondManifest));
			}
			assertThat(atSecond.differences(restore(repository, second, "nightly_second_again"))).isEmpty();
		}
	}

	@Test
	void aSweepWhileABackupHoldsTheLeaseDeletesNothing() throws Exception {
		SampleDatabase.create(pg.cluster(), "busy", pg.scratch());
		try (Repository repository = new Repository(s3.multiRegion("busy"),
				RepositoryKeys.fromKeyFile(keys.resolve("master")))) {
			BackupResult only = new LogicalBackup(repository, Clock.systemUTC()).run("busy", pg.connection("busy"),
					SHARED);
			// a chunk no manifest names, old enough to go, as a backup that died leaves
			// it
			repository.store().createEverywhere("busy/chunks/" + "0".repeat(64), new byte[] { 1, 2, 3 }, 3);
			Set<String> before = objects("busy", "eu-west");
			try (SourceLease held = SourceLease.acquire(repository.store().regions().get(0), "busy", "a backup",
					SourceLease.DEFAULT_TTL)) {
				RetentionReport report = new Retention(repository, Clock.systemUTC(), Duration.ZERO).run("busy",
						new RetentionPolicy(1, 0, 0, 0, 0, ZoneOffset.UTC), false);
				assertThat(report.sharedChunks().skipped()).contains("a backup");
				assertThat(objects("busy", "eu-west")).isEqualTo(before);
			}
			RetentionReport report = new Retention(repository, Clock.systemUTC(), Duration.ZERO).run("busy",
					new RetentionPolicy(1, 0, 0, 0, 0, ZoneOffset.UTC), false);
			assertThat(report.sharedChunks().swept()).isEqualTo(1);
			assertThat(objects("busy", "eu-west")).doesNotContain("busy/chunks/" + "0".repeat(64))
				.containsAll(keysOf(repository.readManifest("busy", BackupId.parse(only.backupId()))));
		}
	}

	@Test
	void aWriterThatOnlyHoldsOpenPgpPublicKeysSharesNothing() throws Exception {
		SampleDatabase.create(pg.cluster(), "pgp", pg.scratch());
		OpenPgpTestKeys.generate(keys, "dr-team", "dr-pass");
		RepositoryKeys writerKeys = RepositoryKeys.fromKeyFile(keys.resolve("master"),
				new RepositoryKeys.OpenPgp(List.of(keys.resolve("dr-team.pub.asc")), null, null));
		try (Repository writer = new Repository(s3.multiRegion("pgp"), writerKeys)) {
			BackupResult backup = new LogicalBackup(writer, Clock.systemUTC()).run("pgp", pg.connection("pgp"), SHARED);
			Manifest manifest = writer.readManifest("pgp", BackupId.parse(backup.backupId()));
			assertThat(manifest.formatVersion()).isEqualTo(Manifest.FORMAT_VERSION);
			assertThat(manifest.allChunks()).extracting(ChunkRef::key)
				.allMatch((key) -> key.startsWith("pgp/backups/" + backup.backupId() + "/chunks/"));
		}
		RepositoryKeys readerKeys = RepositoryKeys.fromKeyFile(keys.resolve("master"),
				new RepositoryKeys.OpenPgp(List.of(), keys.resolve("dr-team.sec.asc"), Secret.of("dr-pass")));
		assertThat(readerKeys.sharedDataKey("pgp")).as("a reader with the master key alone may share").isPresent();
		assertThat(writerKeys.sharedDataKey("pgp")).isEmpty();
	}

	/** Restores the backup of source {@code nightly} into a new database. */
	private static DatabaseFingerprint restore(Repository repository, BackupResult backup, String database) {
		ConnectionSpec target = pg.createDatabase(database);
		new RestoreEngine(repository, Clock.systemUTC())
			.restoreFull(RestoreRequest.full("nightly").backup(backup.backupId()).target(target).jobs(2).build());
		return DatabaseFingerprint.take(target);
	}

	private static long distinctStored(Manifest manifest) {
		return manifest.allChunks()
			.stream()
			.collect(Collectors.toMap(ChunkRef::key, ChunkRef::storedBytes, (a, b) -> a))
			.values()
			.stream()
			.mapToLong(Long::longValue)
			.sum();
	}

	private static Set<String> keysOf(Manifest manifest) {
		return manifest.allChunks().stream().map(ChunkRef::key).collect(Collectors.toCollection(HashSet::new));
	}

	private static Set<String> objects(String region) throws Exception {
		return objects("nightly", region);
	}

	/** The shared chunks a region holds, as object keys. */
	private static Set<String> objects(String source, String region) throws Exception {
		Path root = s3.objectDirectory(region, source);
		Set<String> keys = new HashSet<>();
		for (Path file : s3.objectFiles(region, source)) {
			String key = root.relativize(file).toString();
			if (key.startsWith(source + "/chunks/") && Files.isRegularFile(file)) {
				keys.add(key);
			}
		}
		return keys;
	}

}
