package dev.redoubt.core.manifest;

/**
 * What every signed manifest says about where it belongs, so that a reader can refuse one
 * read from anywhere else: the backup id and source it was written for (a validly signed
 * manifest copied under another id or another source is refused), and its place in the
 * source's sequence of backups (a reader refuses to see it go backwards).
 */
public interface SignedManifest {

	/** The backup id the writer gave it. */
	String backupId();

	/** The source it was taken from, by the configured source's name. */
	Manifest.SourceIdentity source();

	/** When its last chunk was durable, by the writer's clock. */
	java.time.Instant completedAt();

	/** One above the newest backup of the same kind before it; {@code null} if older. */
	Long sequence();

}
