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

	/** This report and another's (the base backups' area) as one. */
	public RepositoryCheckReport plus(RepositoryCheckReport other) {
		List<Problem> problems = new java.util.ArrayList<>(this.problems);
		problems.addAll(other.problems);
		List<String> incomplete = new java.util.ArrayList<>(this.incomplete);
		incomplete.addAll(other.incomplete);
		return new RepositoryCheckReport(this.source, this.regions, this.backups + other.backups,
				this.objects + other.objects, problems, incomplete);
	}

	/** True when nothing is wrong, or everything wrong was repaired. */
	public boolean healthy() {
		return this.problems.stream().allMatch(Problem::repaired);
	}

}
