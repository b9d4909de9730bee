package dev.redoubt.service.dashboard;

import java.time.Duration;
import java.time.Instant;

/**
 * Durations and ages as people read them: {@code 42 s}, {@code 3 min}, {@code 2 h 5 min}.
 */
public final class Ages {

	private Ages() {
	}

	/** {@code 3 h ago}, or {@code in 5 min} for a moment still ahead. */
	public static String ago(Instant then, Instant now) {
		if (then == null) {
			return "never";
		}
		Duration age = Duration.between(then, now);
		return age.isNegative() ? "in " + duration(-age.toMillis() / 1000.0)
				: duration(age.toMillis() / 1000.0) + " ago";
	}

	/** A duration in seconds, rounded to what matters; {@code —} when unknown. */
	public static String duration(Double seconds) {
		if (seconds == null || seconds.isNaN()) {
			return "—";
		}
		double s = seconds;
		if (s < 1) {
			return Math.round(s * 1000) + " ms";
		}
		if (s < 10) {
			return String.format(java.util.Locale.ROOT, "%.1f s", s);
		}
		if (s < 120) {
			return Math.round(s) + " s";
		}
		long minutes = Math.round(s / 60);
		if (minutes < 120) {
			return minutes + " min";
		}
		long hours = minutes / 60;
		if (hours < 48) {
			return hours + " h " + (minutes % 60) + " min";
		}
		return (hours / 24) + " d " + (hours % 24) + " h";
	}

}
