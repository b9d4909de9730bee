package dev.redoubt.verify.repocheck;

import java.util.List;

/**
 * What {@code repo-check} found.
 *
 * @param source the source checked
 * @param regions the regions checked
 * @param backups complete backups checked
 * @param objects objects read and verified, over all regions
 * @param problems every missing, corrupt or orphaned object
 * @param incomplete ids of backups without a manifest (interrupted or still running):
 * their objects are left alone
 */
public record RepositoryCheckReport(String source, List<String> regions, int backups, long objects,
		List<Problem> problems, List<String> incomplete) {

	/** True when nothing is wrong, or everything wrong was repaired. */
	public boolean healthy() {
		return this.problems.stream().allMatch(Problem::repaired);
	}

}
