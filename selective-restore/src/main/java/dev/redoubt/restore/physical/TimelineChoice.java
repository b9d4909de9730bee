package dev.redoubt.restore.physical;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;

/**
 * The timeline a recovery follows: the newest archived timeline that a base backup can
 * reach. PostgreSQL's own {@code latest} takes the newest timeline whatever it is, and
 * stops with "requested timeline is not a child of this server's history" when that
 * timeline forked off before the backup (a copy restored from an older backup and
 * promoted, archiving into the same source). A timeline is reachable from a backup taken
 * on timeline T if it is T, or if its history leaves T after the backup's end.
 */
final class TimelineChoice {

	private TimelineChoice() {
	}

	/** The archive's history files, by timeline. */
	static Map<Integer, String> histories(WalArchive archive) {
		Map<Integer, String> histories = new TreeMap<>();
		for (String name : archive.list().names()) {
			if (WalNames.isHistory(name)) {
				Optional<byte[]> content = archive.fetch(name);
				content.ifPresent(
						(bytes) -> histories.put(WalNames.timeline(name), new String(bytes, StandardCharsets.UTF_8)));
			}
		}
		return histories;
	}

	/**
	 * The newest timeline reachable from a backup on {@code timeline} that ends at
	 * {@code stopLsn}.
	 */
	static int reachable(int timeline, long stopLsn, Map<Integer, String> histories) {
		int best = timeline;
		for (Map.Entry<Integer, String> entry : histories.entrySet()) {
			if (entry.getKey() > best && leavesAfter(entry.getValue(), timeline, stopLsn)) {
				best = entry.getKey();
			}
		}
		return best;
	}

	/**
	 * Whether a history (one line per ancestor: timeline, switch point, reason) leaves
	 * {@code timeline} at or after {@code lsn}.
	 */
	private static boolean leavesAfter(String history, int timeline, long lsn) {
		for (String line : history.split("\n")) {
			String trimmed = line.trim();
			if (trimmed.isEmpty() || trimmed.startsWith("#")) {
				continue;
			}
			String[] fields = trimmed.split("\\s+");
			if (fields.length >= 2 && Integer.parseInt(fields[0]) == timeline) {
				return WalNames.parseLsn(fields[1]) >= lsn;
			}
		}
		return false;
	}

}
