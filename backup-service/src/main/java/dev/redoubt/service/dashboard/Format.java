package dev.redoubt.service.dashboard;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import dev.redoubt.service.cli.Output;

/**
 * How the templates write times, ages, durations and sizes, relative to the moment the
 * page was rendered.
 */
public final class Format {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
		.withZone(ZoneOffset.UTC);

	private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

	private final Instant now;

	Format(Instant now) {
		this.now = now;
	}

	public String ago(Instant then) {
		return Ages.ago(then, this.now);
	}

	public String time(Instant then) {
		return (then == null) ? "—" : TIME.format(then);
	}

	/** An ISO-8601 instant as text ({@code —} for none). */
	public String time(String iso) {
		return (iso == null) ? "—" : time(Instant.parse(iso));
	}

	/** A local date-time (Spring Batch's, in the service's zone) to the second. */
	public String localTime(java.time.LocalDateTime then) {
		return (then == null) ? "—" : LOCAL.format(then);
	}

	public String duration(Double seconds) {
		return Ages.duration(seconds);
	}

	public String millis(long millis) {
		return Ages.duration(millis / 1000.0);
	}

	public String bytes(long bytes) {
		return Output.bytes(bytes);
	}

	public String now() {
		return time(this.now);
	}

}
