package dev.redoubt.core.repository;

/**
 * Named points in a backup or restore where a crash-safety test can halt the process as
 * {@code kill -9} would: no {@code finally} blocks, no shutdown hooks. Enabled only by
 * the system property {@code redoubt.test.crash-at}; production runs never set it.
 */
public enum CrashPoint {

	NONE, DURING_CHUNK_UPLOAD, BEFORE_MANIFEST, AFTER_FIRST_MANIFEST,

	/**
	 * In a table restore's merge into the live table, after its writes, before commit.
	 */
	DURING_MERGE,

	/**
	 * In a table restore loading through a staging schema, after a session copied its
	 * first chunk.
	 */
	DURING_STAGED_LOAD,

	/**
	 * In the WAL archiver, after it read a requested file and before any region has it.
	 */
	WAL_AFTER_RECEIPT;

	/** The crash point named by {@code redoubt.test.crash-at}, or {@link #NONE}. */
	public static CrashPoint fromSystemProperty() {
		String value = System.getProperty("redoubt.test.crash-at");
		return (value == null || value.isBlank()) ? NONE : valueOf(value.trim().toUpperCase().replace('-', '_'));
	}

	public void reached(CrashPoint point) {
		if (this != NONE && this == point) {
			System.err.println("redoubt: crash point " + point + " reached, halting");
			Runtime.getRuntime().halt(137);
		}
	}

}
