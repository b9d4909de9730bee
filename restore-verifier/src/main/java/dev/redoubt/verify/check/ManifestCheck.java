package dev.redoubt.verify.check;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.Manifest;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;

/**
 * Check 1: the manifest in the verified region has a format version this build reads, is
 * signed by the repository's key and unchanged since, and its data key unwraps.
 */
public final class ManifestCheck {

	public static final String ID = "manifest";

	public static final String TITLE = "Manifest signature and format version";

	/**
	 * The manifest when the check passes.
	 *
	 * @param outcome the check's outcome
	 * @param manifest the verified manifest, or {@code null} when the check failed
	 * @param dataKey the unwrapped data key, or {@code null}
	 */
	public record Result(Outcome outcome, Manifest manifest, byte[] dataKey) {
	}

	private ManifestCheck() {
	}

	/**
	 * Reads and verifies the manifest from {@code region}, which holds one region only.
	 */
	public static Result run(Repository region, String source, BackupId id) {
		try {
			Manifest manifest = region.readManifest(source, id);
			byte[] dataKey = region.dataKey(manifest);
			return new Result(Outcome.pass("format version " + manifest.formatVersion()
					+ ", Ed25519 signature valid, data key unwraps; " + manifest.allChunks().size() + " chunks listed"),
					manifest, dataKey);
		}
		catch (RedoubtException ex) {
			return new Result(Outcome.fail(ex.code().summary() + ": " + ex.getMessage()), null, null);
		}
	}

}
