package dev.redoubt.service.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * For clock tests only: the system clock, until it has been read {@code after} times;
 * from then on it is {@code jump} off (an NTP step, a VM restored from a snapshot).
 * Enabled only by the system property {@code redoubt.test.clock-jump} (an ISO-8601
 * duration such as {@code -PT1H}), with {@code redoubt.test.clock-jump-after} reads
 * (default 1: the run's start is read true, everything after jumped); production runs
 * never set it.
 */
final class JumpingClock extends Clock {

	private final Duration jump;

	private final int after;

	private final AtomicInteger reads = new AtomicInteger();

	private JumpingClock(Duration jump, int after) {
		this.jump = jump;
		this.after = after;
	}

	/** The system clock in UTC, or a jumping one if the test properties ask for it. */
	static Clock fromSystemProperties() {
		String jump = System.getProperty("redoubt.test.clock-jump");
		if (jump == null || jump.isBlank()) {
			return Clock.systemUTC();
		}
		return new JumpingClock(Duration.parse(jump.trim()), Integer.getInteger("redoubt.test.clock-jump-after", 1));
	}

	@Override
	public Instant instant() {
		Instant now = Instant.now();
		return (this.reads.getAndIncrement() < this.after) ? now : now.plus(this.jump);
	}

	@Override
	public ZoneId getZone() {
		return java.time.ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return Clock.system(zone);
	}

}
