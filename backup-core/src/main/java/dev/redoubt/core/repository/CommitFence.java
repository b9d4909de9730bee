package dev.redoubt.core.repository;

/**
 * A last check before a backup's manifest is written: the service's fencing, which
 * refuses the commit of a writer that another replica has taken the job over from (the
 * writer was presumed dead while it was only paused). Throwing refuses the commit; the
 * backup then stays an incomplete leftover that retention removes. A fence that accepts
 * may keep the manifest's bytes, so that if the writer dies while writing it, whoever
 * takes over can finish the commit ({@link Repository#completeCommit}).
 */
@FunctionalInterface
public interface CommitFence {

	/** No fencing: the CLI's own backups. */
	CommitFence NONE = (source, id, manifest) -> {
	};

	/**
	 * Called right before {@code manifest}, the signed manifest of backup {@code id} of
	 * {@code source}, is written.
	 */
	void beforeManifest(String source, BackupId id, byte[] manifest);

}
