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
	WAL_AFTER_RECEIPT,

	/**
	 * In a verification, when its report is complete and its record not yet written.
	 */
	BEFORE_VERIFICATION_RECORD,

	/**
	 * In a point-in-time recovery (a restore, a drill), once the server replaying the WAL
	 * has started: the process dies and leaves the server running.
	 */
	DURING_REPLAY,

	/**
	 * In a refresh, when the masked copy is complete and verified and the environment's
	 * database not yet replaced by it.
	 */
	REFRESH_BEFORE_SWAP;

	/** The crash point named by {@code redoubt.test.crash-at}, or {@link #NONE}. */
	public static CrashPoint fromSystemProperty() {
		String value = System.getProperty("redoubt.test.crash-at");
		return (value == null || value.isBlank()) ? NONE : valueOf(value.trim().toUpperCase().replace('-', '_'));
	}

	/**
	 * Pauses the calling thread if {@code redoubt.test.pause-at} names this point: until
	 * the file {@code redoubt.test.resume-file} exists (at most 10 minutes), or else for
	 * {@code redoubt.test.pause-seconds} (default 30). A test then acts while the process
	 * stands at a known place, or freezes it there ({@code SIGSTOP}) as a long GC pause
	 * or a stalled VM would.
	 */
	public static void pauseIfAsked(CrashPoint point) {
		String value = System.getProperty("redoubt.test.pause-at");
		if (value == null || !point.name().equals(value.trim().toUpperCase().replace('-', '_'))) {
			return;
		}
		String resume = System.getProperty("redoubt.test.resume-file");
		if (resume != null) {
			System.err.println("redoubt: pause point " + point + " reached, waiting for " + resume);
			System.err.flush();
			long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
			while (!java.nio.file.Files.exists(java.nio.file.Path.of(resume)) && System.nanoTime() < deadline) {
				try {
					Thread.sleep(20);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
			return;
		}
		long seconds = Long.getLong("redoubt.test.pause-seconds", 30);
		System.err.println("redoubt: pause point " + point + " reached, pausing " + seconds + " s");
		System.err.flush();
		try {
			Thread.sleep(seconds * 1000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	public void reached(CrashPoint point) {
		if (this != NONE && this == point) {
			System.err.println("redoubt: crash point " + point + " reached, halting");
			Runtime.getRuntime().halt(137);
		}
	}

}
