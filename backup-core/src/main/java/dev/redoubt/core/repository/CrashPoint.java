package dev.redoubt.core.repository;

/**
 * Named points in a backup where a crash-safety test can halt the process as
 * {@code kill -9} would: no {@code finally} blocks, no shutdown hooks. Enabled only by
 * the system property {@code redoubt.test.crash-at}; production runs never set it.
 */
public enum CrashPoint {

	NONE, DURING_CHUNK_UPLOAD, BEFORE_MANIFEST, AFTER_FIRST_MANIFEST;

	/** The crash point named by {@code redoubt.test.crash-at}, or {@link #NONE}. */
	public static CrashPoint fromSystemProperty() {
		String value = System.getProperty("redoubt.test.crash-at");
		return (value == null || value.isBlank()) ? NONE : valueOf(value.trim().toUpperCase().replace('-', '_'));
	}

	void reached(CrashPoint point) {
		if (this != NONE && this == point) {
			System.err.println("redoubt: crash point " + point + " reached, halting");
			Runtime.getRuntime().halt(137);
		}
	}

}
