package dev.redoubt.verify.check;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.ChunkRef;
import dev.redoubt.core.manifest.Manifest;

/**
 * Check 2: every chunk was read from the verified region alone (no fallback to another
 * region) with the recorded size and SHA-256, and decoded with every GCM tag and the
 * keyed hash of its content verified. The restore performs these reads; a chunk that is
 * missing or damaged in the region stops it with {@code CORRUPT_OBJECT}, which this check
 * reports.
 */
public final class ChunkIntegrityCheck {

	public static final String ID = "chunks";

	public static final String TITLE = "Every chunk read from the region, hashes verified";

	private ChunkIntegrityCheck() {
	}

	/** Judges the restore: {@code failure} is what stopped it, or {@code null}. */
	public static Outcome judge(Manifest manifest, String region, RedoubtException failure) {
		if (failure != null && failure.code() == ErrorCode.CORRUPT_OBJECT) {
			return Outcome.fail(failure.getMessage());
		}
		long bytes = manifest.allChunks().stream().mapToLong(ChunkRef::storedBytes).sum();
		if (failure != null) {
			return Outcome.fail("not every chunk was read: the restore stopped first (" + failure.getMessage() + ")");
		}
		return Outcome.pass(manifest.allChunks().size() + " chunks (" + bytes + " bytes) read from region " + region
				+ ": size, SHA-256, GCM tags and keyed content hash verified");
	}

}
