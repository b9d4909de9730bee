package dev.redoubt.verify.drill;

import dev.redoubt.core.error.ErrorCode;

/**
 * What a drill proved. Three distinct outcomes with three exit statuses: a drill that
 * could not run proves nothing about the backups, and is never reported as passed nor as
 * a bad backup.
 */
public enum DrillVerdict {

	/** Recovered from the surviving regions, every check green, every target met. */
	PASS(0),

	/** A target missed, a check red or the recovery failed: each reason is named. */
	FAIL(ErrorCode.DRILL_FAILED.exitCode()),

	/**
	 * The environment failed (no sandbox, no PostgreSQL binaries, no disk): nothing is
	 * known about the backups.
	 */
	COULD_NOT_RUN(ErrorCode.DRILL_NOT_RUN.exitCode());

	private final int exitCode;

	DrillVerdict(int exitCode) {
		this.exitCode = exitCode;
	}

	public int exitCode() {
		return this.exitCode;
	}

	/** As the reports print it: {@code PASS}, {@code FAIL}, {@code COULD NOT RUN}. */
	public String label() {
		return name().replace('_', ' ');
	}

}
