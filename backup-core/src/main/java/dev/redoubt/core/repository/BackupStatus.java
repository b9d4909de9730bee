package dev.redoubt.core.repository;

/** What the regions say about one backup id. */
public enum BackupStatus {

	/** The manifest is in every region: restorable from any of them. */
	COMPLETE,

	/**
	 * The manifest is in some regions, no region holds a lock: the backup was completed
	 * and a region has since lost its copy. Restorable from the others;
	 * {@code repo-check --repair} rewrites the missing copy.
	 */
	DEGRADED,

	/**
	 * No manifest, or a manifest in some regions while a lock remains: the backup is in
	 * progress or its process died. Never restorable; its objects are leftovers to clean
	 * up.
	 */
	INCOMPLETE

}
