package dev.redoubt.restore.physical;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.BackupListing;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.core.wal.WalNames;

/** The complete base backups of a source, and the one a recovery target needs. */
public final class BaseBackups {

	private static final Logger log = LoggerFactory.getLogger(BaseBackups.class);

	private BaseBackups() {
	}

	/** Every restorable base backup's manifest, newest first. */
	public static List<BaseBackupManifest> list(Repository repository, String source) {
		String area = BaseBackupManifest.area(source);
		List<BaseBackupManifest> manifests = new ArrayList<>();
		for (BackupListing listing : repository.list(area)) {
			if (listing.restorable()) {
				manifests.add(repository.readManifest(area, listing.id(), BaseBackupManifest.class));
			}
		}
		return manifests;
	}

	/**
	 * The base backup to recover from: the one named, or the newest that ends before the
	 * target (by the server's clock for a time, by position for an LSN). For a
	 * transaction or a restore point nothing tells where it lies, so the newest is taken;
	 * if the target is older, PostgreSQL reports that recovery ended before reaching it.
	 * @throws RedoubtException {@code BACKUP_NOT_FOUND} naming what exists
	 */
	public static BaseBackupManifest choose(Repository repository, String source, String backupId,
			RecoveryTarget target) {
		String area = BaseBackupManifest.area(source);
		if (backupId != null && !"latest".equals(backupId)) {
			BackupId id = repository.resolve(area, backupId);
			return repository.readManifest(area, id, BaseBackupManifest.class);
		}
		List<BaseBackupManifest> all = list(repository, source);
		if (all.isEmpty()) {
			throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
					"source " + source + " has no complete base backup in any region",
					"take one with ./redoubt backup --source " + source + " --type base", null);
		}
		for (BaseBackupManifest manifest : all) {
			if (endsBefore(manifest, target)) {
				return manifest;
			}
		}
		BaseBackupManifest oldest = all.get(all.size() - 1);
		throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
				"no base backup of source " + source + " ends before " + target + "; the oldest ends at "
						+ oldest.stopTime() + " (LSN " + oldest.stopLsn() + ")",
				"a point before the oldest base backup cannot be recovered", null);
	}

	private static boolean endsBefore(BaseBackupManifest manifest, RecoveryTarget target) {
		return switch (target.kind()) {
			case TIME -> !manifest.stopTime().isAfter(target.time());
			case LSN -> WalNames.parseLsn(manifest.stopLsn()) <= target.lsn();
			default -> {
				log.debug("target {} has no position; taking the newest base backup", target);
				yield true;
			}
		};
	}

}
