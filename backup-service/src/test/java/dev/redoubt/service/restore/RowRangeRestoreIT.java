package dev.redoubt.service.restore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.ObjectInfo;
import dev.redoubt.core.store.ObjectStore;
import dev.redoubt.restore.QualifiedName;
import dev.redoubt.restore.RestoreEngine;
import dev.redoubt.restore.RestoreRequest;
import dev.redoubt.restore.TableRestoreResult;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.service.backup.LogicalBackup;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 0.1 % key range of a 5-million-row table, against real PostgreSQL and S3 API servers:
 * the chunks read from the regions are counted as they are fetched, not taken from the
 * plan, and the restored rows are exactly the range.
 */
class RowRangeRestoreIT {

	@RegisterExtension
	static PostgresExtension pg = new PostgresExtension();

	@RegisterExtension
	static S3RegionsExtension s3 = new S3RegionsExtension("eu-west", "eu-central");

	@TempDir
	static Path work;

	static RepositoryKeys keys;

	static BackupId backup;

	static ConnectionSpec live;

	/** Keys of the chunk objects read, across regions. */
	static final Set<String> chunksRead = ConcurrentHashMap.newKeySet();

	@BeforeAll
	static void fiveMillionRowsBackedUp() throws Exception {
		pg.createDatabase("big");
		pg.sql("big",
				"CREATE TABLE public.readings (id bigint PRIMARY KEY, sensor integer NOT NULL, value double precision);"
						+ " INSERT INTO public.readings SELECT g, g % 1000, g / 7.0 FROM generate_series(1, 5000000) g;"
						+ " ANALYZE public.readings");
		live = pg.connection("big");
		// the sandbox that judges --where runs as the server's user, below this directory
		java.nio.file.Files.setPosixFilePermissions(work,
				java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
		RepositoryKeys.generateKeyFile(work.resolve("master.key"));
		keys = RepositoryKeys.fromKeyFile(work.resolve("master.key"));
		try (Repository repository = repository()) {
			backup = BackupId.parse(new LogicalBackup(repository, Clock.systemUTC())
				.run("big", live, new BackupSettings(2, 1 << 20, 1, Duration.ofSeconds(10), null))
				.backupId());
		}
	}

	@Test
	void aNarrowKeyRangeFetchesAFewChunksAndRestoresExactlyTheRange() throws Exception {
		String range = "id BETWEEN 2500001 AND 2505000";
		RestoreRequest.Builder plan = RestoreRequest.tables("big")
			.table("public.readings")
			.where(range)
			.target(live)
			.dryRun(true)
			.jobs(2);
		TableRestoreResult.Table planned = restore(plan).tables().get(0);
		assertThat(planned.rowsSelected()).isEqualTo(5000);
		assertThat(planned.chunksTotal()).isGreaterThan(50);
		assertThat(planned.chunksFetched()).isLessThanOrEqualTo(planned.chunksTotal() * 3 / 100);
		assertThat(planned.restoredAs()).isNull();

		chunksRead.clear();
		TableRestoreResult.Table restored = restore(RestoreRequest.tables("big")
			.table("public.readings")
			.where(range)
			.into("public.readings_range")
			.target(live)
			.jobs(2)).tables().get(0);

		// measured at the store: the schema archive and the planned chunks, nothing more
		assertThat(chunksRead).hasSize(restored.chunksFetched() + 1);
		assertThat(restored.chunksFetched()).isEqualTo(planned.chunksFetched());
		assertThat(scalar("SELECT count(*) || ':' || min(id) || ':' || max(id) FROM public.readings_range"))
			.isEqualTo("5000:2500001:2505000");
		assertThat(scalar("SELECT count(*) FROM public.readings_range r JOIN public.readings l USING (id)"
				+ " WHERE (r.sensor, r.value) IS DISTINCT FROM (l.sensor, l.value)"))
			.isEqualTo("0");
		assertThat(scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 'readings_range'")).isEqualTo("1");
	}

	private static TableRestoreResult restore(RestoreRequest.Builder request) {
		try (Repository repository = repository()) {
			return new RestoreEngine(repository, Clock.systemUTC())
				.withSandboxes(SandboxKind.LOCAL, work.resolve("sandboxes"))
				.restoreTables(request.backup(backup).build());
		}
	}

	private static Repository repository() {
		List<ObjectStore> counted = s3.multiRegion("range")
			.regions()
			.stream()
			.map(CountingStore::new)
			.map(ObjectStore.class::cast)
			.toList();
		return new Repository(new MultiRegionStore(counted), keys);
	}

	private static String scalar(String sql) throws Exception {
		try (Connection connection = live.open("test");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

	/** Passes every call on, and notes which chunk objects were read. */
	private record CountingStore(ObjectStore store) implements ObjectStore {

		@Override
		public String name() {
			return this.store.name();
		}

		@Override
		public void create(String key, byte[] data, int offset, int length) {
			this.store.create(key, data, offset, length);
		}

		@Override
		public Optional<byte[]> read(String key) {
			if (key.contains("/chunks/")) {
				chunksRead.add(key);
			}
			return this.store.read(key);
		}

		@Override
		public Optional<byte[]> read(String key, long offset, int length) {
			if (key.contains("/chunks/")) {
				chunksRead.add(key);
			}
			return this.store.read(key, offset, length);
		}

		@Override
		public Optional<ObjectInfo> head(String key) {
			return this.store.head(key);
		}

		@Override
		public List<ObjectInfo> list(String prefix) {
			return this.store.list(prefix);
		}

		@Override
		public List<String> listChildren(String prefix) {
			return this.store.listChildren(prefix);
		}

		@Override
		public void delete(String key) {
			this.store.delete(key);
		}

	}

}
