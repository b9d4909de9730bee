package dev.redoubt.service.backup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.manifest.TableEntry;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.testing.PostgresExtension;
import dev.redoubt.testing.S3RegionsExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code DROP TABLE} or {@code ALTER TABLE} issued while a backup runs waits for it:
 * the backup holds {@code ACCESS SHARE} on every table from before its snapshot to its
 * end, so schema and rows come from one moment and every row of the table is in the
 * backup.
 */
class ConcurrentDdlIT {

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
		pg.sql("shop", "CREATE TABLE public.events (id bigint PRIMARY KEY, body text);"
				+ " INSERT INTO public.events SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 400000) g;"
				+ " CREATE TABLE public.other (id int)");
	}

	@Test
	void aSchemaChangeDuringTheBackupNeverMixesMomentsNorStallsIt() throws Exception {
		try (Repository repository = new Repository(s3.multiRegion("ddl"), keys);
				Connection ddl = pg.connection("shop").open("ddl")) {
			CompletableFuture<String> backup = CompletableFuture.supplyAsync(
					() -> new LogicalBackup(repository, Clock.systemUTC())
						.run("shop", pg.connection("shop"),
								new BackupSettings(1, 256 * 1024, 1, Duration.ofSeconds(5), null))
						.backupId());
			awaitBackupLock(ddl, backup);
			CompletableFuture<Void> changed = CompletableFuture.runAsync(() -> {
				try (Statement statement = ddl.createStatement()) {
					statement.execute("ALTER TABLE public.other ADD COLUMN x int; DROP TABLE public.events");
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			});
			// either the backup's sessions had their locks before the DDL queued, and the
			// backup holds every row as of its snapshot; or a session's lock queued
			// behind
			// the DDL, and the backup fails with LOCK_TIMEOUT within its bound, listing
			// nothing restorable. Never a stall, never schema and rows of two moments.
			try {
				BackupId id = BackupId.parse(backup.get(2, java.util.concurrent.TimeUnit.MINUTES));
				Manifest manifest = repository.readManifest("shop", id);
				TableEntry events = manifest.tables()
					.stream()
					.filter((t) -> t.name().equals("events"))
					.findFirst()
					.orElseThrow();
				assertThat(events.rows()).isEqualTo(400000);
				assertThat(manifest.tables()
					.stream()
					.filter((t) -> t.name().equals("other"))
					.findFirst()
					.orElseThrow()
					.columns()).containsExactly("id");
			}
			catch (java.util.concurrent.ExecutionException ex) {
				assertThat(ex.getCause()).isInstanceOfSatisfying(RedoubtException.class,
						(failure) -> assertThat(failure.code()).as(failure.getMessage())
							.isEqualTo(ErrorCode.LOCK_TIMEOUT));
				assertThat(repository.list("shop")).noneMatch((listing) -> listing.restorable());
			}
			changed.get(2, java.util.concurrent.TimeUnit.MINUTES);
		}
	}

	/** Waits, with a deadline, until the backup's session holds its lock on the table. */
	private static void awaitBackupLock(Connection connection, CompletableFuture<String> backup) throws Exception {
		long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
		while (System.nanoTime() < deadline) {
			assertThat(backup).as("the backup ended before it was seen holding its lock").isNotDone();
			try (Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a"
							+ " USING (pid) WHERE l.relation = 'public.events'::regclass AND l.mode = 'AccessShareLock'"
							+ " AND l.granted AND a.pid <> pg_backend_pid()")) {
				rows.next();
				if (rows.getLong(1) > 0) {
					return;
				}
			}
			Thread.onSpinWait();
		}
		throw new AssertionError("the backup never held its lock on public.events");
	}

}
