package dev.redoubt.service.cli;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits on a condition, never for a fixed time: polls it until it holds or a deadline
 * generous for a loaded 2-core machine passes, then fails naming what it waited for and
 * what the caller has to show (a log).
 */
final class Await {

	/** What an integration test waits for; it may throw while it cannot tell yet. */
	interface Condition {

		boolean met() throws Exception;

	}

	private static final Duration POLL = Duration.ofMillis(100);

	private Await() {
	}

	static void until(Duration deadline, Condition condition, String what, Supplier<String> context) throws Exception {
		long end = System.nanoTime() + deadline.toNanos();
		while (!condition.met()) {
			if (System.nanoTime() > end) {
				throw new AssertionError("timed out waiting until " + what + "; " + context.get());
			}
			Thread.sleep(POLL.toMillis());
		}
	}

}
