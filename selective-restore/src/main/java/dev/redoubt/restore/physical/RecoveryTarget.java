package dev.redoubt.restore.physical;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.wal.WalNames;

/**
 * Where recovery stops: a time, an LSN, a transaction, a named restore point, or the end
 * of the archive. Recovery stops just after the target (inclusive, as PostgreSQL's
 * default), or just before a transaction ({@link #beforeXid}), and promotes.
 *
 * @param kind what the target is
 * @param value its value in PostgreSQL's syntax; {@code null} for {@link Kind#LATEST}
 * @param time the instant of a {@link Kind#TIME} target, else {@code null}
 * @param lsn the position of an {@link Kind#LSN} target, else -1
 * @param inclusive whether the target itself is replayed
 */
public record RecoveryTarget(Kind kind, String value, Instant time, long lsn, boolean inclusive) {

	public RecoveryTarget(Kind kind, String value, Instant time, long lsn) {
		this(kind, value, time, lsn, true);
	}

	public enum Kind {

		TIME("recovery_target_time"), LSN("recovery_target_lsn"), XID("recovery_target_xid"),
		NAME("recovery_target_name"), IMMEDIATE("recovery_target"), LATEST(null);

		private final String setting;

		Kind(String setting) {
			this.setting = setting;
		}

	}

	/** {@code 2026-12-02T14:31:00Z}, {@code 2026-12-02 14:31:00.25+01:00}, ... */
	private static final DateTimeFormatter TIME_FORMAT = new DateTimeFormatterBuilder()
		.append(DateTimeFormatter.ISO_LOCAL_DATE)
		.optionalStart()
		.appendLiteral('T')
		.optionalEnd()
		.optionalStart()
		.appendLiteral(' ')
		.optionalEnd()
		.append(DateTimeFormatter.ISO_LOCAL_TIME)
		.optionalStart()
		.appendLiteral(' ')
		.optionalEnd()
		.appendOffset("+HH:mm", "Z")
		.toFormatter();

	private static final DateTimeFormatter POSTGRES_TIME = new DateTimeFormatterBuilder()
		.appendPattern("yyyy-MM-dd HH:mm:ss")
		.appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
		.appendLiteral("+00")
		.toFormatter()
		.withZone(ZoneOffset.UTC);

	public static RecoveryTarget time(String text) {
		Instant instant;
		try {
			instant = OffsetDateTime.parse(text.trim(), TIME_FORMAT).toInstant();
		}
		catch (DateTimeParseException ex) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"--to-time '" + text + "' is not a time with a zone offset",
					"write it as 2026-12-02T14:31:00Z or 2026-12-02 14:31:00+01:00", null);
		}
		return new RecoveryTarget(Kind.TIME, POSTGRES_TIME.format(instant), instant, -1);
	}

	public static RecoveryTarget lsn(String text) {
		long lsn = WalNames.parseLsn(text.trim());
		return new RecoveryTarget(Kind.LSN, WalNames.formatLsn(lsn), null, lsn);
	}

	public static RecoveryTarget xid(String text) {
		if (!text.trim().matches("[0-9]{1,20}")) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"--to-xid '" + text + "' is not a transaction id (a number, as txid_current() returns)");
		}
		return new RecoveryTarget(Kind.XID, text.trim(), null, -1);
	}

	/**
	 * Just before a transaction: every transaction that committed before it, and not it
	 * (what undoes a bad DELETE found by {@code redoubt incident}).
	 */
	public static RecoveryTarget beforeXid(String text) {
		if (!text.trim().matches("[0-9]{1,20}")) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"--before-xid '" + text + "' is not a transaction id (a number, as redoubt incident lists them)");
		}
		return new RecoveryTarget(Kind.XID, text.trim(), null, -1, false);
	}

	public static RecoveryTarget name(String text) {
		if (text.isBlank() || text.length() > 63 || text.chars().anyMatch((c) -> c < 0x20)) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION,
					"--to-name must be a restore point name of 1 to 63 printable characters");
		}
		return new RecoveryTarget(Kind.NAME, text, null, -1);
	}

	/** As soon as the base backup is consistent: what a verification replays to. */
	public static RecoveryTarget immediate() {
		return new RecoveryTarget(Kind.IMMEDIATE, "immediate", null, -1);
	}

	public static RecoveryTarget latest() {
		return new RecoveryTarget(Kind.LATEST, null, null, -1);
	}

	/**
	 * The server settings that make PostgreSQL stop here. (Other targets cannot be
	 * cleared on the command line: PostgreSQL counts an empty one as given; a backup
	 * whose configuration names a target of its own is refused by PostgreSQL as "multiple
	 * recovery targets".)
	 */
	public Map<String, String> settings() {
		return settings("latest");
	}

	/** As {@link #settings()}, following the given timeline (a number, or latest). */
	public Map<String, String> settings(String timeline) {
		Map<String, String> settings = new LinkedHashMap<>();
		if (this.kind.setting != null) {
			settings.put(this.kind.setting, this.value);
		}
		settings.put("recovery_target_inclusive", this.inclusive ? "on" : "off");
		settings.put("recovery_target_timeline", timeline);
		settings.put("recovery_target_action", "promote");
		return settings;
	}

	@Override
	public String toString() {
		return (this.kind == Kind.LATEST) ? "the end of the archive"
				: (this.kind == Kind.IMMEDIATE) ? "the end of the base backup" : (this.inclusive ? "" : "before ")
						+ this.kind.name().toLowerCase(java.util.Locale.ROOT) + " " + this.value;
	}

}
