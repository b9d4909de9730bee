package dev.redoubt.core.repository;

import java.util.List;
import java.util.Map;

/**
 * One backup id as the regions see it.
 *
 * @param id the backup id
 * @param status complete, degraded or incomplete
 * @param regions per region name, what it holds
 */
public record BackupListing(BackupId id, BackupStatus status, Map<String, RegionCopy> regions) {

	/**
	 * What one region holds of a backup.
	 *
	 * @param manifest whether the manifest is there
	 * @param lock whether the in-progress marker is there
	 * @param objects number of objects under the backup's prefix
	 * @param bytes their total size
	 */
	public record RegionCopy(boolean manifest, boolean lock, int objects, long bytes) {
	}

	public boolean restorable() {
		return this.status != BackupStatus.INCOMPLETE;
	}

	/** Regions that lack the manifest. */
	public List<String> regionsMissingManifest() {
		return this.regions.entrySet().stream().filter((e) -> !e.getValue().manifest()).map(Map.Entry::getKey).toList();
	}

}
