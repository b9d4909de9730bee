package dev.redoubt.service.job;

import java.time.Duration;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.service.backup.BackupResult;
import dev.redoubt.service.config.Fleet;

/**
 * Launches the {@code logicalBackup} job for one source and turns its execution back into
 * a result or the catalogued error that failed it.
 */
@Component
public class BackupLauncher {

	static final String SOURCE = "source";

	public static final String FIRE = "fire";

	static final String TOKEN = "token";

	private final JobOperator jobOperator;

	private final Job logicalBackupJob;

	private final Job baseBackupJob;

	private final Fleet fleet;

	public BackupLauncher(JobOperator jobOperator, Job logicalBackupJob, Job baseBackupJob, Fleet fleet) {
		this.jobOperator = jobOperator;
		this.logicalBackupJob = logicalBackupJob;
		this.baseBackupJob = baseBackupJob;
		this.fleet = fleet;
	}

	public BackupResult backup(String source) {
		return backup(source, false);
	}

	/** A logical backup, or with {@code base} a physical base backup of the cluster. */
	public BackupResult backup(String source, boolean base) {
		return backup(source, base, null, 0);
	}

	/**
	 * A backup for a scheduled fire: its manifest is written only if the fire's fencing
	 * token is still {@code token} (see {@link dev.redoubt.service.schedule.FireFence}).
	 */
	public BackupResult backup(String source, boolean base, String fire, long token) {
		// fail on an unknown source or a bad configuration before a job run is recorded
		this.fleet.requireSource(source);
		JobParametersBuilder builder = new JobParametersBuilder().addString(SOURCE, source)
			.addLong("requested-at", System.currentTimeMillis());
		if (fire != null) {
			builder.addString(FIRE, fire).addLong(TOKEN, token);
		}
		JobParameters parameters = builder.toJobParameters();
		JobExecution execution;
		try {
			execution = this.jobOperator.start(base ? this.baseBackupJob : this.logicalBackupJob, parameters);
		}
		catch (Exception ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot launch the backup job: " + ex.getMessage(), ex);
		}
		JobFailures.rethrow(execution, "backup job of source " + source);
		return read(execution.getExecutionContext());
	}

	static void record(BackupResult result, ExecutionContext context) {
		context.putString("backupId", result.backupId());
		context.putInt("tables", result.tables());
		context.putLong("rows", result.rows());
		context.putInt("chunks", result.chunks());
		context.putLong("plainBytes", result.plainBytes());
		context.putLong("storedBytes", result.storedBytes());
		context.putLong("uploadedBytes", result.uploadedBytes());
		context.putLong("durationMs", result.duration().toMillis());
	}

	private static BackupResult read(ExecutionContext context) {
		return new BackupResult(context.getString("backupId"), context.getInt("tables"), context.getLong("rows"),
				context.getInt("chunks"), context.getLong("plainBytes"), context.getLong("storedBytes"),
				Duration.ofMillis(context.getLong("durationMs")), context.containsKey("uploadedBytes")
						? context.getLong("uploadedBytes") : context.getLong("storedBytes"));
	}

}
