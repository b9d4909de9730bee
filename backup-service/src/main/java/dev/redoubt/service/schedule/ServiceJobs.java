package dev.redoubt.service.schedule;

import java.util.Map;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.service.job.BackupLauncher;
import dev.redoubt.service.job.JobFailures;

/** Launches the jobs of {@link ServiceJobConfiguration} by name. */
@Component
public class ServiceJobs {

	private final JobOperator jobOperator;

	private final Map<String, Job> jobs;

	public ServiceJobs(JobOperator jobOperator, Job repoCheckJob, Job retentionJob, Job verifyBaseBackupJob,
			Job drillJob, Job refreshJob) {
		this.jobOperator = jobOperator;
		this.jobs = Map.of(ServiceJobConfiguration.REPO_CHECK, repoCheckJob, ServiceJobConfiguration.RETENTION,
				retentionJob, ServiceJobConfiguration.VERIFY_BASE, verifyBaseBackupJob, ServiceJobConfiguration.DRILL,
				drillJob, ServiceJobConfiguration.REFRESH, refreshJob);
	}

	/**
	 * Runs the job for the source (and backup, if given) as part of the scheduler's fire
	 * {@code fire}; throws if it did not complete.
	 */
	public JobExecution run(String name, String source, String backup, String fire) {
		JobParametersBuilder parameters = new JobParametersBuilder().addString("source", source)
			.addString(BackupLauncher.FIRE, fire)
			.addLong("requested-at", System.currentTimeMillis());
		if (backup != null) {
			parameters.addString("backup", backup);
		}
		JobExecution execution;
		try {
			execution = this.jobOperator.start(this.jobs.get(name), parameters.toJobParameters());
		}
		catch (Exception ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot launch the " + name + " job: " + ex.getMessage(),
					ex);
		}
		JobFailures.rethrow(execution, name + " job of source " + source);
		return execution;
	}

}
