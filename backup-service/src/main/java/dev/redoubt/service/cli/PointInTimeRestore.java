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
	 * The table restore {@code request} (whose target defaults to the source database),
	 * as of {@code time}.
	 */
	TableRestoreResult table(String source, String backup, RecoveryTarget time, TableRestoreRequest request,
			SandboxKind sandboxKind, Path sandboxRoot, int jobs) {
		ConnectionSpec live = this.fleet.source(source);
		Path work = DirectoryTree.createPrivateTemp("redoubt-as-of-");
		try (Repository repository = this.fleet.openRepository(source)) {
			Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
			try (PointInTimeRecovery.Recovered recovered = PointInTimeRecovery.recover(repository,
					new PointInTimeRecovery.Request(source, backup, time, work.resolve("cluster"), jobs, true))) {
				ConnectionSpec asOf = recovered.connection(live.database());
				log.info("source {} recovered to {}; taking its database {} into a temporary repository", source, time,
						live.database());
				Path keyFile = work.resolve("as-of.key");
				RepositoryKeys.generateKeyFile(keyFile);
				try (Repository temporary = new Repository(
						new MultiRegionStore(List.of(new LocalStore("as-of", work.resolve("repository")))),
						RepositoryKeys.fromKeyFile(keyFile))) {
					BackupSettings defaults = this.fleet.backupSettings(source);
					BackupResult taken = new LogicalBackup(temporary, this.clock).run(source, asOf, defaults);
					TableRestoreRequest withTarget = (request.target() != null || request.toFile() != null) ? request
							: request.withTarget(live);
					return new TableRestore(temporary, this.clock, sandboxKind, sandboxRoot).run(source,
							BackupId.parse(taken.backupId()), withTarget);
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

}
