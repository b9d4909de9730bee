package dev.redoubt.restore;

/**
 * The throwaway recovery a table restore as of a point in time read from, and where its
 * time went.
 *
 * @param baseBackupId the base backup recovered
 * @param files which of its files were fetched
 * @param recoveredTwice whether the first recovery left out a file a table uses as of the
 * target, so every file was fetched in a second one
 * @param tarBytes bytes of the base backup's tar stream unpacked
 * @param fetchedBytes bytes of it read from the repository, as stored
 * @param leftOutFiles files left out (zero-filled)
 * @param leftOutBytes their size
 * @param diskBytes disk the recovered cluster took
 * @param walSegments WAL segments replayed
 * @param unpackMs fetching and unpacking the base backup
 * @param replayMs replay to the target and promotion
 * @param copyMs taking the tables from the recovered cluster
 * @param restoreMs the table restore from that copy
 */
public record AsOfRecovery(String baseBackupId, String files, boolean recoveredTwice, long tarBytes, long fetchedBytes,
		int leftOutFiles, long leftOutBytes, long diskBytes, int walSegments, long unpackMs, long replayMs, long copyMs,
		long restoreMs) {
}
