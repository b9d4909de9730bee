package dev.redoubt.restore;

/**
 * How to restore.
 *
 * @param jobs parallel sessions for data and for post-data (indexes, constraints)
 * @param allowNonEmpty restore into a database that already holds tables
 * @param noOwner do not restore object ownership (roles of the source need not exist)
 */
public record RestoreOptions(int jobs, boolean allowNonEmpty, boolean noOwner) {

	public static RestoreOptions defaults() {
		return new RestoreOptions(Runtime.getRuntime().availableProcessors(), false, false);
	}

}
