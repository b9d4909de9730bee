package dev.redoubt.verify.check;

import java.time.Duration;

/**
 * One check's outcome in a verification report.
 *
 * @param id stable identifier ({@code manifest}, {@code chunks}, ...)
 * @param title what the check proves, for people
 * @param status passed, failed or skipped
 * @param detail what was found: counts on success, the first differences on failure
 * @param duration how long the check took
 */
public record CheckResult(String id, String title, CheckStatus status, String detail, Duration duration) {

	public boolean passed() {
		return this.status == CheckStatus.PASSED;
	}

}
