package dev.redoubt.service.verify;

import java.util.Map;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.job.BackupLauncher;
import dev.redoubt.service.job.JobFailures;
import dev.redoubt.verify.VerificationReport;

/** Launches the {@code verifyBackup} job and hands back its report. */
@Component
public class VerifyLauncher {

	static final String SOURCE = "source";

	static final String BACKUP = "backup";

	static final String REGION = "region";

	static final String SANDBOX = "sandbox";

	static final String JOBS = "jobs";

	private final JobOperator jobOperator;

	private final Job verifyBackupJob;

	private final Fleet fleet;

	private final Map<Long, VerificationReport> reports;

	public VerifyLauncher(JobOperator jobOperator, Job verifyBackupJob, Fleet fleet,
			Map<Long, VerificationReport> verificationReports) {
		this.jobOperator = jobOperator;
		this.verifyBackupJob = verifyBackupJob;
		this.fleet = fleet;
		this.reports = verificationReports;
	}

	public VerificationReport verify(String source, String backup, String region, String sandbox, Integer jobs) {
		return verify(source, backup, region, sandbox, jobs, null);
	}

	/**
	 * Verifies as part of the scheduler's fire {@code fire} (recorded as the run's
	 * {@code fire} parameter, so that a replica taking the fire over can end this run if
	 * its replica dies), or of no fire if null.
	 */
	public VerificationReport verify(String source, String backup, String region, String sandbox, Integer jobs,
			String fire) {
		this.fleet.requireSource(source);
		this.fleet.sandboxKind(source, sandbox);
		JobParametersBuilder parameters = new JobParametersBuilder().addString(SOURCE, source)
			.addString(BACKUP, backup)
			.addLong("requested-at", System.currentTimeMillis());
		if (region != null) {
			parameters.addString(REGION, region);
		}
		if (sandbox != null) {
			parameters.addString(SANDBOX, sandbox);
		}
		if (jobs != null) {
			parameters.addLong(JOBS, jobs.longValue());
		}
		if (fire != null) {
			parameters.addString(BackupLauncher.FIRE, fire);
		}
		JobExecution execution;
		try {
			execution = this.jobOperator.start(this.verifyBackupJob, parameters.toJobParameters());
		}
		catch (Exception ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot launch the verify job: " + ex.getMessage(), ex);
		}
		JobFailures.rethrow(execution, "verify job of source " + source);
		VerificationReport report = this.reports.remove(execution.getId());
		if (report == null) {
			throw new RedoubtException(ErrorCode.INTERNAL, "the verify job ended without a report");
		}
		return report;
	}

}
