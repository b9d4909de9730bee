package dev.redoubt.service.retention;

import java.util.List;

import dev.redoubt.core.wal.WalNames;

/**
 * Which archived WAL no kept base backup needs. A base backup needs every segment from
 * the one holding its start LSN onward, on its timeline and the timelines after it; the
 * rule here is stricter still: a segment is expendable only if its number is below the
 * start segment of every kept base backup, whatever its timeline. History files are
 * always kept (they are tiny and name the timelines). Without a kept base backup nothing
 * is expendable: WAL is never deleted on the grounds that nothing needs it yet.
 */
public final class WalRetention {

	/** Where a kept base backup starts. */
	public record BaseStart(String startLsn, long segmentBytes) {

		long startSegmentNumber() {
			return WalNames.parseLsn(this.startLsn) / this.segmentBytes;
		}

	}

	private WalRetention() {
	}

	public static List<String> expendable(List<String> archived, List<BaseStart> keptBases) {
		if (keptBases.isEmpty()) {
			return List.of();
		}
		long segmentBytes = keptBases.get(0).segmentBytes();
		long oldestNeeded = keptBases.stream().mapToLong(BaseStart::startSegmentNumber).min().orElseThrow();
		return archived.stream()
			.filter(WalNames::isSegment)
			.filter((name) -> WalNames.segmentNumber(name, segmentBytes) < oldestNeeded)
			.toList();
	}

}
