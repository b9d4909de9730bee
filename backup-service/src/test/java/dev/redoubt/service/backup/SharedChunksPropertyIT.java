package dev.redoubt.service.backup;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupListing;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.sample.SampleDatabase;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.core.repository.RepositoryLayout;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.service.retention.Retention;
import dev.redoubt.service.retention.RetentionPolicy;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;
import dev.redoubt.verify.DatabaseFingerprint;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance 1 of shared chunks, as a property over a random sequence of backups, data
 * changes (updates, inserts, deletes, a rewrite by VACUUM FULL) and expiries with random
 * policies, against real PostgreSQL and two S3Proxy regions: after every step every chunk
 * a manifest names is in both regions and nothing no manifest names survives a sweep past
 * its grace period; at the end every kept backup restores exactly to the moment it was
 * taken. The seed is printed; {@code -Dshared.seed=N} replays one.
 */
class SharedChunksPropertyIT {

	private static final long SEED = Long.getLong("shared.seed", System.nanoTime());

	private static final String SOURCE = "prop";

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path keys;

	@Test
	void everyKeptBackupRestoresAndTheSweepRemovesExactlyWhatNoManifestNames() throws Exception {
		System.out.println("SharedChunksPropertyIT seed " + SEED);
		Random random = new Random(SEED);
		SampleDatabase.create(pg.cluster(), SOURCE, pg.scratch());
		ConnectionSpec source = pg.connection(SOURCE);
		RepositoryKeys.generateKeyFile(keys.resolve("master"));
		BackupSettings settings = new BackupSettings(2, 128 * 1024, 1, Duration.ofSeconds(10), null)
			.withSharedChunks(true);
		Map<String, DatabaseFingerprint> taken = new LinkedHashMap<>();
		try (Repository repository = new Repository(s3.multiRegion("property"),
				RepositoryKeys.fromKeyFile(keys.resolve("master")))) {
			for (int step = 0; step < 7; step++) {
				String change = change(random);
				pg.sql(SOURCE, change);
				pg.sql(SOURCE, "REFRESH MATERIALIZED VIEW public.order_totals");
				BackupResult backup = new LogicalBackup(repository, Clock.systemUTC()).run(SOURCE, source, settings);
				taken.put(backup.backupId(), DatabaseFingerprint.take(source));
				if (random.nextInt(3) == 0) {
					RetentionPolicy policy = new RetentionPolicy(1 + random.nextInt(3), 0, 0, 0, 0, ZoneOffset.UTC);
					new Retention(repository, Clock.systemUTC(), Duration.ZERO).run(SOURCE, policy, false)
						.expired()
						.forEach(taken::remove);
				}
				String at = "step " + step + " (seed " + SEED + ", " + change + ")";
				Set<String> named = named(repository);
				for (ObjectStore region : repository.store().regions()) {
					assertThat(shared(region)).as(at + ": every named chunk in " + region.name()).containsAll(named);
				}
				new Retention(repository, Clock.systemUTC(), Duration.ZERO).run(SOURCE,
						new RetentionPolicy(100, 0, 0, 0, 0, ZoneOffset.UTC), false);
				for (ObjectStore region : repository.store().regions()) {
					assertThat(shared(region)).as(at + ": after a sweep, exactly the named chunks in " + region.name())
						.isEqualTo(named);
				}
			}
			assertThat(taken).as("kept backups").isNotEmpty();
			int restored = 0;
			for (Map.Entry<String, DatabaseFingerprint> backup : taken.entrySet()) {
				ConnectionSpec target = pg.createDatabase("prop_restored_" + restored++);
				new RestoreEngine(repository, Clock.systemUTC())
					.restoreFull(RestoreRequest.full(SOURCE).backup(backup.getKey()).target(target).jobs(2).build());
				assertThat(backup.getValue().differences(DatabaseFingerprint.take(target)))
					.as("backup " + backup.getKey() + " (seed " + SEED + ")")
					.isEmpty();
			}
		}
	}

	/** One day's change to the data, chosen at random. */
	private static String change(Random random) {
		int from = 1 + random.nextInt(59000);
		int width = 1 + random.nextInt(600);
		return switch (random.nextInt(5)) {
			case 0 ->
				"UPDATE public.orders SET amount = amount + 1 WHERE id BETWEEN " + from + " AND " + (from + width);
			case 1 -> "INSERT INTO public.orders (customer_id, amount, created_at) SELECT g % 997, 1, now()"
					+ " FROM generate_series(1, " + width + ") g";
			case 2 -> "DELETE FROM public.order_lines WHERE order_id BETWEEN " + from + " AND " + (from + width)
					+ "; DELETE FROM public.orders WHERE id BETWEEN " + from + " AND " + (from + width);
			case 3 -> "VACUUM FULL public.orders";
			default -> "SELECT 1";
		};
	}

	/** Every chunk key a manifest of the source names. */
	private static Set<String> named(Repository repository) {
		Set<String> keys = new HashSet<>();
		for (BackupListing listing : repository.list(SOURCE)) {
			if (listing.restorable()) {
				repository.readManifest(SOURCE, listing.id())
					.allChunks()
					.stream()
					.map(ChunkRef::key)
					.forEach(keys::add);
			}
		}
		return keys;
	}

	private static Set<String> shared(ObjectStore region) {
		Set<String> keys = new HashSet<>();
		List<ObjectInfo> objects = region.list(RepositoryLayout.sharedChunksPrefix(SOURCE));
		objects.forEach((object) -> keys.add(object.key()));
		return keys;
	}

}
