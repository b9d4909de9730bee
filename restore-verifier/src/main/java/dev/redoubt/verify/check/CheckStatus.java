package dev.redoubt.verify.check;

/** How a check ended. */
public enum CheckStatus {

	PASSED, FAILED,

	/** Not run because an earlier stage failed (e.g. the restore). */
	SKIPPED;

	public String label() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
