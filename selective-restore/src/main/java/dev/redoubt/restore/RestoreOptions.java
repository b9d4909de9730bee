package dev.redoubt.restore;

/**
 * How to restore.
 *
 * @param jobs parallel sessions for data and for post-data (indexes, constraints)
 * @param allowNonEmpty restore into a database that already holds tables
 * @param noOwner restore neither ownership nor privileges (roles of the source need not
 * exist in the target)
 * @param deferForeignKeys leave foreign keys out of the post-data schema and hand them
 * back in the result, so that a verifier can add them one by one and report each
 * violation instead of stopping at the first
 * @param stopOnRowCountMismatch stop when a chunk loads another number of rows than the
 * manifest records; a verifier turns this off and reports the difference through its
 * row-count check
 */
public record RestoreOptions(int jobs, boolean allowNonEmpty, boolean noOwner, boolean deferForeignKeys,
		boolean stopOnRowCountMismatch) {

	public RestoreOptions(int jobs, boolean allowNonEmpty, boolean noOwner) {
		this(jobs, allowNonEmpty, noOwner, false, true);
	}

	public static RestoreOptions defaults() {
		return new RestoreOptions(Runtime.getRuntime().availableProcessors(), false, false);
	}

	/**
	 * Options for a verification's restore into a sandbox: no owners or privileges (the
	 * sandbox has no roles of the source), foreign keys and row-count differences left to
	 * the checks.
	 */
	public static RestoreOptions forVerification(int jobs) {
		return new RestoreOptions(jobs, false, true, true, false);
	}

}
