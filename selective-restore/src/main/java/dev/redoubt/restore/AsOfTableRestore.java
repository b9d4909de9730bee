package dev.redoubt.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.store.local.LocalStore;
import dev.redoubt.restore.physical.AsOfTables;
import dev.redoubt.restore.physical.BaseBackups;
import dev.redoubt.restore.physical.FileSelection;
import dev.redoubt.restore.physical.PointInTimeRecovery;

/**
 * A table restore as of a point in time: the source's cluster recovered into a throwaway
 * directory with only the files the tables need (the others zero-filled), the tables
 * taken from it by a {@link LogicalCopy} into a private temporary repository, and the
 * ordinary {@link TableRestore} from there, so that every option of a table restore
 * applies. Tables are mapped to files through the backup's own catalog; if a table uses a
 * file the selection left out as of the target (renamed by VACUUM FULL, CLUSTER or
 * TRUNCATE since the backup), the cluster is recovered again with every file.
 */
final class AsOfTableRestore {

	private static final Logger log = LoggerFactory.getLogger(AsOfTableRestore.class);

	private final RestoreEngine engine;

	AsOfTableRestore(RestoreEngine engine) {
		this.engine = engine;
	}

	TableRestoreResult run(RestoreRequest request) {
		if (this.engine.logicalCopy() == null) {
			throw new IllegalStateException("a table restore as of a point in time needs a LogicalCopy");
		}
		ConnectionSpec live = request.sourceDatabase();
		Path work = DirectoryTree.createPrivateTemp("redoubt-as-of-");
		try {
			// the recovering server (postgres when we are root) reaches its directory
			Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
			Repository repository = this.engine.repository();
			BaseBackupManifest base = BaseBackups.choose(repository, request.source(), request.backup(),
					request.pointInTime());
			PointInTimeRecovery.Request recovery = new PointInTimeRecovery.Request(request.source(), base.backupId(),
					request.pointInTime(), work.resolve("cluster"), request.jobs(), true);
			FileSelection files = FileSelection.forTables(base, live.database(), request.tables(), request.schemas());
			try (AsOf asOf = recover(repository, recovery.throwaway(files), live, request)) {
				if (asOf == null) {
					log.info("a table read as of {} uses a file the selection left out (renamed since the backup?); "
							+ "recovering again with every file", request.pointInTime());
					DirectoryTree.delete(work.resolve("cluster"));
				}
				try (AsOf whole = (asOf != null) ? null
						: recover(repository, recovery.throwaway(FileSelection.all()), live, request)) {
					return restoreFrom((asOf != null) ? asOf : whole, asOf == null, request, work);
				}
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
					"table restore as of " + request.pointInTime() + " failed: " + ex, ex);
		}
		finally {
			DirectoryTree.delete(work);
		}
	}

	/** A recovered throwaway cluster and the tables to read from it. */
	private record AsOf(PointInTimeRecovery.Recovered cluster, AsOfTables tables,
			long diskBytes) implements AutoCloseable {

		@Override
		public void close() {
			this.cluster.close();
		}

	}

	/**
	 * Recovers with {@code recovery}'s files; {@code null} (the cluster stopped) if a
	 * file the tables are read from was left out.
	 */
	private static AsOf recover(Repository repository, PointInTimeRecovery.Request recovery, ConnectionSpec live,
			RestoreRequest request) {
		PointInTimeRecovery.Recovered recovered = PointInTimeRecovery.recover(repository, recovery);
		try {
			AsOfTables tables = AsOfTables.read(recovered.connection(live.database()), request.tables(),
					request.schemas());
			if (!tables.completeUnder(recovery.files(), recovered.filesWithInvalidPages(tables.database()))) {
				recovered.close();
				return null;
			}
			return new AsOf(recovered, tables, recovered.diskBytes());
		}
		catch (RuntimeException ex) {
			recovered.close();
			throw ex;
		}
	}

	/**
	 * Takes the tables' rows (and the database's schema) from the recovered cluster into
	 * a private temporary repository, and runs the ordinary table restore from it.
	 */
	private TableRestoreResult restoreFrom(AsOf recovered, boolean recoveredTwice, RestoreRequest request, Path work)
			throws IOException {
		ConnectionSpec live = request.sourceDatabase();
		ConnectionSpec asOf = recovered.cluster().connection(live.database());
		log.info("source {} recovered to {}; taking {} tables of its database {} into a temporary repository",
				request.source(), request.pointInTime(), recovered.tables().tables().size(), live.database());
		Path keyFile = work.resolve("as-of.key");
		RepositoryKeys.generateKeyFile(keyFile);
		try (Repository temporary = new Repository(
				new MultiRegionStore(List.of(new LocalStore("as-of", work.resolve("repository")))),
				RepositoryKeys.fromKeyFile(keyFile))) {
			long copyStarted = System.nanoTime();
			BackupId taken = this.engine.logicalCopy()
				.copy(temporary, request.source(), asOf, recovered.tables().tables());
			long copied = System.nanoTime();
			RestoreRequest withTarget = (request.target() != null || request.toFile() != null) ? request
					: request.withTarget(live);
			TableRestoreResult restored = new TableRestore(temporary, this.engine.clock(), this.engine.sandboxKind(),
					this.engine.sandboxRoot())
				.run(request.source(), taken, withTarget);
			PointInTimeRecovery.Result result = recovered.cluster().result();
			return restored
				.readFrom(new AsOfRecovery(result.backupId(), result.files(), recoveredTwice, result.tarBytes(),
						result.fetchedBytes(), result.leftOutFiles(), result.leftOutBytes(), recovered.diskBytes(),
						result.walFiles(), result.unpackTime().toMillis(), result.replayTime().toMillis(),
						(copied - copyStarted) / 1_000_000, (System.nanoTime() - copied) / 1_000_000));
		}
	}

}
