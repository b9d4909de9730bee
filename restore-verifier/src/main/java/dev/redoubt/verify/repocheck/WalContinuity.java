package dev.redoubt.verify.repocheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.wal.WalArchive;
import dev.redoubt.core.wal.WalNames;

/**
 * Whether the WAL archive can carry each base backup forward: per timeline, the runs of
 * consecutive segments and the gaps between them, and for each base backup the window it
 * can be recovered to (from its end to the last segment before the first gap, then on
 * along the timelines that branch from there, as their history files say). A segment that
 * some region lacks is reported as missing there.
 */
public final class WalContinuity {

	/**
	 * @param windows one line per base backup: from where to where it recovers
	 * @param gaps one line per gap: timeline, missing segments, base backups cut short
	 * @param problems missing segments (a gap, or a region lacking a copy)
	 * @param segments segment files archived
	 */
	/** Where a timeline began, as its history file records it. */
	public record Branch(int parent, long lsn) {

		/**
		 * The last line of {@code TTTTTTTT.history}:
		 * {@code parent<TAB>switch LSN<TAB>reason}.
		 */
		public static Branch parse(String history) {
			String[] lines = history.strip().split("\n");
			String[] fields = lines[lines.length - 1].trim().split("\\s+");
			return new Branch(Integer.parseInt(fields[0]), WalNames.parseLsn(fields[1]));
		}

	}

	public record Report(List<String> windows, List<String> gaps, List<Problem> problems, int segments) {
	}

	private WalContinuity() {
	}

	public static Report check(List<BaseBackupManifest> backups, WalArchive.Listing listing,
			Map<Integer, Branch> branchPoints) {
		long segmentBytes = backups.isEmpty() ? WalNames.DEFAULT_SEGMENT_BYTES : backups.get(0).walSegmentBytes();
		Map<Integer, TreeSet<Long>> byTimeline = new TreeMap<>();
		int segments = 0;
		for (String name : listing.names()) {
			if (WalNames.isSegment(name)) {
				segments++;
				byTimeline.computeIfAbsent(WalNames.timeline(name), (t) -> new TreeSet<>())
					.add(WalNames.segmentNumber(name, segmentBytes));
			}
		}
		List<Problem> problems = new ArrayList<>();
		for (Map.Entry<String, Set<String>> region : listing.byRegion().entrySet()) {
			for (String name : listing.names()) {
				if (!region.getValue().contains(name)) {
					problems.add(new Problem("missing", region.getKey(), WalArchive.key("", name).substring(1),
							"WAL file archived in another region only", false));
				}
			}
		}
		List<String> gaps = new ArrayList<>();
		for (Map.Entry<Integer, TreeSet<Long>> timeline : byTimeline.entrySet()) {
			Long previous = null;
			for (long number : timeline.getValue()) {
				if (previous != null && number > previous + 1) {
					String first = WalNames.segmentName(timeline.getKey(), previous + 1, segmentBytes);
					String last = WalNames.segmentName(timeline.getKey(), number - 1, segmentBytes);
					List<String> cut = new ArrayList<>();
					for (BaseBackupManifest backup : backups) {
						if (startSegment(backup) <= previous && backup.timeline() == timeline.getKey()) {
							cut.add(backup.backupId());
						}
					}
					gaps.add("timeline " + timeline.getKey() + ": " + (number - previous - 1) + " segment(s) missing, "
							+ first + ((number - previous - 1 > 1) ? " .. " + last : "")
							+ (cut.isEmpty() ? "" : "; base backups recoverable only to before it: " + cut));
					for (long missing = previous + 1; missing < number; missing++) {
						String name = WalNames.segmentName(timeline.getKey(), missing, segmentBytes);
						for (String region : listing.byRegion().keySet()) {
							problems.add(new Problem("gap", region, WalArchive.key("", name).substring(1),
									"WAL segment missing in every region while later ones exist", false));
						}
					}
				}
				previous = number;
			}
		}
		List<String> windows = new ArrayList<>();
		for (BaseBackupManifest backup : backups) {
			windows.add(window(backup, byTimeline, branchPoints, segmentBytes));
		}
		return new Report(windows, gaps, problems, segments);
	}

	private static long startSegment(BaseBackupManifest backup) {
		return WalNames.parseLsn(backup.startLsn()) / backup.walSegmentBytes();
	}

	/**
	 * From the backup's end along its timeline, then along timelines branching inside
	 * that run.
	 */
	private static String window(BaseBackupManifest backup, Map<Integer, TreeSet<Long>> byTimeline,
			Map<Integer, Branch> branchPoints, long segmentBytes) {
		long stop = WalNames.parseLsn(backup.stopLsn()) / segmentBytes;
		int timeline = backup.timeline();
		long from = startSegment(backup);
		StringBuilder path = new StringBuilder();
		long end = runEnd(byTimeline.get(timeline), from);
		if (end < stop) {
			return "base backup " + backup.backupId() + " (timeline " + timeline + "): NOT recoverable, segment "
					+ WalNames.segmentName(timeline, Math.max(from, end + 1), segmentBytes)
					+ " needed for consistency is missing";
		}
		path.append("timeline ")
			.append(timeline)
			.append(" to the end of ")
			.append(WalNames.segmentName(timeline, end, segmentBytes));
		// follow the newest timeline that branched from this one inside the run
		boolean followed = true;
		while (followed) {
			followed = false;
			for (Map.Entry<Integer, Branch> branch : branchPoints.entrySet()) {
				int child = branch.getKey();
				long at = branch.getValue().lsn() / segmentBytes;
				if (branch.getValue().parent() == timeline && at >= from && at <= end + 1
						&& byTimeline.containsKey(child)) {
					long childEnd = runEnd(byTimeline.get(child), at);
					if (childEnd >= at) {
						path.append(", then timeline ")
							.append(child)
							.append(" to the end of ")
							.append(WalNames.segmentName(child, childEnd, segmentBytes));
						timeline = child;
						from = at;
						end = childEnd;
						followed = true;
					}
				}
			}
		}
		return "base backup " + backup.backupId() + " (ends " + backup.stopTime() + ", LSN " + backup.stopLsn()
				+ "): recoverable along " + path;
	}

	/**
	 * The last segment of the run of consecutive segments that holds {@code from}, or
	 * from - 1.
	 */
	private static long runEnd(TreeSet<Long> numbers, long from) {
		if (numbers == null || !numbers.contains(from)) {
			return from - 1;
		}
		long end = from;
		while (numbers.contains(end + 1)) {
			end++;
		}
		return end;
	}

}
