package dev.redoubt.service.job;

import java.time.Clock;
import java.util.Map;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.backup.BackupResult;
import dev.redoubt.service.backup.BaseBackup;
import dev.redoubt.service.backup.LogicalBackup;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.schedule.FireFence;

/**
 * The {@code logicalBackup} job: one step that runs {@link LogicalBackup} for the source
 * named by the {@code source} job parameter and records the new backup's id and sizes in
 * the job's execution context.
 */
@Configuration(proxyBeanMethods = false)
public class BackupJobConfiguration {

	public static final String JOB_NAME = "logicalBackup";

	public static final String BASE_JOB_NAME = "baseBackup";

	@Bean
	Clock clock() {
		return JumpingClock.fromSystemProperties();
	}

	@Bean
	Job logicalBackupJob(JobRepository jobRepository, Step logicalBackupStep) {
		return new JobBuilder(JOB_NAME, jobRepository).start(logicalBackupStep).build();
	}

	/** The {@code baseBackup} job: {@link BaseBackup} of the source's cluster. */
	@Bean
	Job baseBackupJob(JobRepository jobRepository, Step baseBackupStep) {
		return new JobBuilder(BASE_JOB_NAME, jobRepository).start(baseBackupStep).build();
	}

	@Bean
	Step baseBackupStep(JobRepository jobRepository, Fleet fleet, Clock clock, FireFence fence) {
		return new StepBuilder("base-backup", jobRepository).tasklet((contribution, chunkContext) -> {
			String source = (String) chunkContext.getStepContext().getJobParameters().get(BackupLauncher.SOURCE);
			try (Repository repository = fenced(fleet.openRepository(source), chunkContext, fence)) {
				BackupResult result = new BaseBackup(repository, source, fleet.source(source),
						fleet.backupSettings(source), clock)
					.run();
				BackupLauncher.record(result,
						chunkContext.getStepContext().getStepExecution().getJobExecution().getExecutionContext());
			}
			return RepeatStatus.FINISHED;
		}).build();
	}

	@Bean
	Step logicalBackupStep(JobRepository jobRepository, Fleet fleet, Clock clock, FireFence fence) {
		return new StepBuilder("backup", jobRepository).tasklet((contribution, chunkContext) -> {
			String source = (String) chunkContext.getStepContext().getJobParameters().get(BackupLauncher.SOURCE);
			try (Repository repository = fenced(fleet.openRepository(source), chunkContext, fence)) {
				BackupResult result = new LogicalBackup(repository, clock).run(source, fleet.source(source),
						fleet.backupSettings(source));
				ExecutionContext context = chunkContext.getStepContext()
					.getStepExecution()
					.getJobExecution()
					.getExecutionContext();
				BackupLauncher.record(result, context);
			}
			return RepeatStatus.FINISHED;
		}).build();
	}

	/**
	 * A scheduled fire's backup checks its fencing token before its manifest, and waits
	 * for the source's lease up to twice its time to live (a replica taking a fire over
	 * from a frozen one waits for that one's lease to expire); a backup launched from the
	 * command line has no fire and no fence, and stops at once when the source is busy.
	 */
	private static Repository fenced(Repository repository, ChunkContext chunkContext, FireFence fence) {
		Map<String, Object> parameters = chunkContext.getStepContext().getJobParameters();
		String fire = (String) parameters.get(BackupLauncher.FIRE);
		if (fire == null) {
			return repository;
		}
		return repository.withCommitFence(fence.guard(fire, (Long) parameters.get(BackupLauncher.TOKEN)))
			.withLeaseWait(Repository.leaseTtl().multipliedBy(2));
	}

}
