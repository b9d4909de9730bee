package dev.redoubt.core.repository;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * A backup's identifier: its start time in UTC to the second and four random hex digits,
 * so ids sort by time and two backups started in the same second do not collide, e.g.
 * {@code 20261121T190400Z-3fa2}.
 */
public record BackupId(String value) implements Comparable<BackupId> {

	private static final Pattern FORMAT = Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{4}");

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
		.withZone(ZoneOffset.UTC);

	private static final SecureRandom RANDOM = new SecureRandom();

	public BackupId {
		if (value == null || !FORMAT.matcher(value).matches()) {
			throw new RedoubtException(ErrorCode.BACKUP_NOT_FOUND,
					"'" + value + "' is not a backup id (expected e.g. 20261121T190400Z-3fa2 or latest)",
					"list backups with ./redoubt info --source NAME", null);
		}
	}

	public static BackupId parse(String value) {
		return new BackupId(value);
	}

	public static BackupId next(Instant now) {
		return new BackupId(TIME.format(now) + "-" + String.format("%04x", RANDOM.nextInt(0x10000)));
	}

	/** The start time the id was made from, to the second. */
	public Instant startedAt() {
		return TIME.parse(this.value.substring(0, 16), Instant::from);
	}

	public static boolean looksLikeId(String value) {
		return value != null && FORMAT.matcher(value).matches();
	}

	@Override
	public int compareTo(BackupId other) {
		return this.value.compareTo(other.value);
	}

	@Override
	public String toString() {
		return this.value;
	}

}
