package dev.redoubt.core.wal;

import java.util.Locale;
import java.util.regex.Pattern;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;

/**
 * PostgreSQL's names for WAL files: a segment is {@code TTTTTTTTXXXXXXXXYYYYYYYY}
 * (timeline, then the segment number split in "log id" and the segment within it, all
 * hex), a timeline history file is {@code TTTTTTTT.history}. Segment arithmetic needs the
 * cluster's segment size ({@code wal_segment_size}, 16 MiB unless initdb was told
 * otherwise).
 */
public final class WalNames {

	/** PostgreSQL's default {@code wal_segment_size}. */
	public static final long DEFAULT_SEGMENT_BYTES = 16L * 1024 * 1024;

	private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");

	private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");

	/** What archive_command may hand over besides segments and history files. */
	private static final Pattern OTHER = Pattern.compile("[0-9A-F]{24}(\\.partial|\\.[0-9A-F]{8}\\.backup)");

	private WalNames() {
	}

	public static boolean isSegment(String name) {
		return SEGMENT.matcher(name).matches();
	}

	public static boolean isHistory(String name) {
		return HISTORY.matcher(name).matches();
	}

	/**
	 * Whether PostgreSQL could archive or ask for a file of this name; anything else
	 * (paths, {@code ..}) is refused before it reaches the repository's key space.
	 */
	public static boolean isWalFileName(String name) {
		return isSegment(name) || isHistory(name) || OTHER.matcher(name).matches();
	}

	/**
	 * @throws RedoubtException {@code INVALID_SELECTION} naming the bad name
	 */
	public static String requireWalFileName(String name) {
		if (name == null || !isWalFileName(name)) {
			throw new RedoubtException(ErrorCode.INVALID_SELECTION, "'" + name
					+ "' is not a WAL file name (a 24-digit hex segment, TTTTTTTT.history, .partial or .backup)");
		}
		return name;
	}

	public static int timeline(String name) {
		return Integer.parseUnsignedInt(name.substring(0, 8), 16);
	}

	/** The segment's position in the WAL, counting from 0, for a given segment size. */
	public static long segmentNumber(String segment, long segmentBytes) {
		long logId = Long.parseLong(segment.substring(8, 16), 16);
		long seg = Long.parseLong(segment.substring(16, 24), 16);
		return logId * segmentsPerLogId(segmentBytes) + seg;
	}

	public static String segmentName(int timeline, long number, long segmentBytes) {
		long perLogId = segmentsPerLogId(segmentBytes);
		return String.format(Locale.ROOT, "%08X%08X%08X", timeline, number / perLogId, number % perLogId);
	}

	/** The segment after {@code segment} on the same timeline. */
	public static String next(String segment, long segmentBytes) {
		return segmentName(timeline(segment), segmentNumber(segment, segmentBytes) + 1, segmentBytes);
	}

	/** The segment that holds the byte at {@code lsn} on {@code timeline}. */
	public static String segmentOf(int timeline, long lsn, long segmentBytes) {
		return segmentName(timeline, lsn / segmentBytes, segmentBytes);
	}

	public static String historyName(int timeline) {
		return String.format(Locale.ROOT, "%08X.history", timeline);
	}

	/** Parses PostgreSQL's text form of an LSN, {@code 16/B374D848}. */
	public static long parseLsn(String text) {
		int slash = (text == null) ? -1 : text.indexOf('/');
		try {
			if (slash > 0) {
				return (Long.parseLong(text.substring(0, slash), 16) << 32)
						| Long.parseLong(text.substring(slash + 1), 16);
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new RedoubtException(ErrorCode.INVALID_SELECTION,
				"'" + text + "' is not an LSN (two hex numbers separated by '/', as pg_current_wal_lsn() prints)");
	}

	public static String formatLsn(long lsn) {
		return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
	}

	private static long segmentsPerLogId(long segmentBytes) {
		return 0x100000000L / segmentBytes;
	}

}
