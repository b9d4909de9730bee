package dev.redoubt.service.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.key.RepositoryKeys;
import dev.redoubt.core.pg.ConnectionSpec;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.store.MultiRegionStore;
import dev.redoubt.core.store.local.DirectoryTree;
import dev.redoubt.core.store.local.LocalStore;
import dev.redoubt.restore.TableRestore;
import dev.redoubt.restore.TableRestoreRequest;
import dev.redoubt.restore.TableRestoreResult;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.restore.physical.AsOfTables;
import dev.redoubt.restore.physical.BaseBackups;
import dev.redoubt.restore.physical.FileSelection;
import dev.redoubt.restore.physical.PointInTimeRecovery;
import dev.redoubt.restore.physical.RecoveryTarget;
import dev.redoubt.restore.sandbox.SandboxKind;
import dev.redoubt.service.backup.BackupResult;
import dev.redoubt.service.backup.BackupSettings;
import dev.redoubt.service.backup.LogicalBackup;
import dev.redoubt.service.config.Fleet;

/**
 * The point-in-time restores of {@code redoubt restore}: a whole cluster into a data
 * directory, and a table as of a time. The latter recovers into a throwaway cluster,
 * takes a logical backup of the source database from it into a private temporary
 * repository, and runs the ordinary selective restore from that backup into the target:
 * every option of a table restore (--where, --into, --into-existing, --conflict,
 * --dry-run) works as of a time.
 */
final class PointInTimeRestore {

	private static final Logger log = LoggerFactory.getLogger(PointInTimeRestore.class);

	private final Fleet fleet;

	private final Clock clock;

	PointInTimeRestore(Fleet fleet, Clock clock) {
		this.fleet = fleet;
		this.clock = clock;
	}

	int cluster(String source, String backup, RecoveryTarget target, Path dataDirectory, int jobs, boolean json,
			PrintWriter out) {
		if (dataDirectory == null) {
			throw new RedoubtException(ErrorCode.CONFIG_INVALID, "--type physical needs --data-dir DIR");
		}
		this.fleet.requireSource(source);
		PointInTimeRecovery.Result result;
		try (Repository repository = this.fleet.openRepository(source)) {
			result = PointInTimeRecovery.run(repository,
					new PointInTimeRecovery.Request(source, backup, target, dataDirectory, jobs, false));
		}
		if (json) {
			Map<String, Object> document = new LinkedHashMap<>();
			document.put("source", source);
			document.put("baseBackupId", result.backupId());
			document.put("target", target.toString());
			document.put("dataDirectory", result.dataDirectory().toString());
			document.put("timeline", result.timeline());
			document.put("walFiles", result.walFiles());
			document.put("stoppedAt", result.stoppedAt());
			document.put("unpackMs", result.unpackTime().toMillis());
			document.put("replayMs", result.replayTime().toMillis());
			Output.printJson(out, document);
			return 0;
		}
		out.printf(
				"recovered source %s to %s into %s from base backup %s: %s unpacked in %.1f s, %d WAL files "
						+ "replayed in %.1f s, now on timeline %d%n",
				source, target, result.dataDirectory(), result.backupId(), Output.bytes(result.tarBytes()),
				result.unpackTime().toMillis() / 1000.0, result.walFiles(), result.replayTime().toMillis() / 1000.0,
				result.timeline());
		result.stoppedAt().forEach((line) -> out.printf("  %s%n", line));
		out.printf("the cluster is stopped and keeps the backup's configuration (port, archive_command, ...): "
				+ "review it, then pg_ctl -D %s start%n", result.dataDirectory());
		out.flush();
		return 0;
	}

	/**
	 * A table restore as of a time: the restore, and the recovery it read from.
	 *
	 * @param restored the table restore from the recovered cluster
	 * @param recovery the recovery
	 */
	record AsOfResult(TableRestoreResult restored, Recovery recovery) {
	}

	/**
	 * The throwaway recovery of a table restore as of a time, and where its time went.
	 *
	 * @param baseBackupId the base backup recovered
	 * @param files which of its files were fetched
	 * @param recoveredTwice whether the first recovery left out a file a table uses as of
	 * the target, so every file was fetched in a second one
	 * @param tarBytes bytes of the base backup's tar stream unpacked
	 * @param fetchedBytes bytes of it read from the repository, as stored
	 * @param leftOutFiles files left out (zero-filled)
	 * @param leftOutBytes their size
	 * @param diskBytes disk the recovered cluster took
	 * @param walSegments WAL segments replayed
	 * @param unpackMs fetching and unpacking the base backup
	 * @param replayMs replay to the target and promotion
	 * @param copyMs taking the tables from the recovered cluster
	 * @param restoreMs the table restore from that copy
	 */
	record Recovery(String baseBackupId, String files, boolean recoveredTwice, long tarBytes, long fetchedBytes,
			int leftOutFiles, long leftOutBytes, long diskBytes, int walSegments, long unpackMs, long replayMs,
			long copyMs, long restoreMs) {
	}

	/**
	 * The table restore {@code request} (whose target defaults to the source database),
	 * as of {@code time}.
	 */
	AsOfResult table(String source, String backup, RecoveryTarget time, TableRestoreRequest request,
			SandboxKind sandboxKind, Path sandboxRoot, int jobs) {
		ConnectionSpec live = this.fleet.source(source);
		Path work = DirectoryTree.createPrivateTemp("redoubt-as-of-");
		try (Repository repository = this.fleet.openRepository(source)) {
			Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
			BaseBackupManifest base = BaseBackups.choose(repository, source, backup, time);
			PointInTimeRecovery.Request recovery = new PointInTimeRecovery.Request(source, base.backupId(), time,
					work.resolve("cluster"), jobs, true);
			FileSelection files = FileSelection.forTables(base, live.database(), request.tables(), request.schemas());
			try (AsOf asOf = recover(repository, recovery.throwaway(files), live, request)) {
				if (asOf == null) {
					log.info("a table read as of {} uses a file the selection left out (renamed since the backup?); "
							+ "recovering again with every file", time);
					DirectoryTree.delete(work.resolve("cluster"));
				}
				try (AsOf whole = (asOf != null) ? null
						: recover(repository, recovery.throwaway(FileSelection.all()), live, request)) {
					AsOf recovered = (asOf != null) ? asOf : whole;
					return restoreFrom(recovered, asOf == null, source, time, live, request, sandboxKind, sandboxRoot,
							work);
				}
			}
		}
		catch (IOException ex) {
			throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE, "table restore as of " + time + " failed: " + ex,
					ex);
		}
		finally {
			DirectoryTree.delete(work);
		}
	}

	/** A recovered throwaway cluster and the tables to read from it. */
	private record AsOf(PointInTimeRecovery.Recovered cluster, AsOfTables tables, FileSelection files,
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
			TableRestoreRequest request) {
		PointInTimeRecovery.Recovered recovered = PointInTimeRecovery.recover(repository, recovery);
		try {
			AsOfTables tables = AsOfTables.read(recovered.connection(live.database()), request.tables(),
					request.schemas());
			if (!tables.completeUnder(recovery.files(), recovered.filesWithInvalidPages(tables.database()))) {
				recovered.close();
				return null;
			}
			return new AsOf(recovered, tables, recovery.files(), recovered.diskBytes());
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
	private AsOfResult restoreFrom(AsOf recovered, boolean recoveredTwice, String source, RecoveryTarget time,
			ConnectionSpec live, TableRestoreRequest request, SandboxKind sandboxKind, Path sandboxRoot, Path work)
			throws IOException {
		ConnectionSpec asOf = recovered.cluster().connection(live.database());
		log.info("source {} recovered to {}; taking {} tables of its database {} into a temporary repository", source,
				time, recovered.tables().tables().size(), live.database());
		Path keyFile = work.resolve("as-of.key");
		RepositoryKeys.generateKeyFile(keyFile);
		try (Repository temporary = new Repository(
				new MultiRegionStore(List.of(new LocalStore("as-of", work.resolve("repository")))),
				RepositoryKeys.fromKeyFile(keyFile))) {
			BackupSettings defaults = this.fleet.backupSettings(source);
			long copyStarted = System.nanoTime();
			BackupResult taken = new LogicalBackup(temporary, this.clock).onlyTables(recovered.tables().tables())
				.run(source, asOf, defaults);
			long copied = System.nanoTime();
			TableRestoreRequest withTarget = (request.target() != null || request.toFile() != null) ? request
					: request.withTarget(live);
			TableRestoreResult restored = new TableRestore(temporary, this.clock, sandboxKind, sandboxRoot).run(source,
					BackupId.parse(taken.backupId()), withTarget);
			PointInTimeRecovery.Result result = recovered.cluster().result();
			return new AsOfResult(restored,
					new Recovery(result.backupId(), recovered.files().toString(), recoveredTwice, result.tarBytes(),
							result.fetchedBytes(), result.leftOutFiles(), result.leftOutBytes(), recovered.diskBytes(),
							result.walFiles(), result.unpackTime().toMillis(), result.replayTime().toMillis(),
							(copied - copyStarted) / 1_000_000, (System.nanoTime() - copied) / 1_000_000));
		}
	}

}
