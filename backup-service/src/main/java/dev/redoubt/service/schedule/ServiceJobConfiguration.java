package dev.redoubt.service.schedule;

import java.time.Clock;
import java.util.List;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.retention.Retention;
import dev.redoubt.service.retention.RetentionReport;
import dev.redoubt.verify.BaseBackupVerifier;
import dev.redoubt.verify.VerificationReport;
import dev.redoubt.verify.repocheck.RepositoryCheck;
import dev.redoubt.verify.repocheck.RepositoryCheckReport;

/**
 * The service's other jobs, each one step over a plain service: {@code repoCheck},
 * {@code retention}, {@code verifyBaseBackup}, {@code drill} and {@code refresh}. Their
 * outcome goes to the job's execution context, where the API reads it.
 */
@Configuration(proxyBeanMethods = false)
public class ServiceJobConfiguration {

	public static final String REPO_CHECK = "repoCheck";

	public static final String RETENTION = "retention";

	public static final String VERIFY_BASE = "verifyBaseBackup";

	public static final String DRILL = "drill";

	public static final String REFRESH = "refresh";

	/**
	 * Refreshes every environment of the source in turn; one failing does not stop the
	 * others, and fails the job naming each.
	 */
	@Bean
	Job refreshJob(JobRepository jobRepository, Fleet fleet, Clock clock) {
		Step step = new StepBuilder("refresh", jobRepository).tasklet((contribution, chunkContext) -> {
			String source = source(chunkContext.getStepContext().getStepExecution().getJobParameters());
			List<String> refreshed = new java.util.ArrayList<>();
			List<String> failed = new java.util.ArrayList<>();
			try (Repository repository = fleet.openRepository(source)) {
				for (Fleet.RefreshTarget target : fleet.refreshTargets(source)) {
					try {
						dev.redoubt.service.refresh.Refresh.Result result = new dev.redoubt.service.refresh.Refresh(
								repository, clock)
							.run(source, target.database(), target.masking(), fleet.restoreJobs(null));
						refreshed.add(target.name() + " from " + result.backupId());
					}
					catch (RuntimeException ex) {
						failed.add(target.name() + ": " + ex.getMessage());
					}
				}
			}
			ExecutionContext context = chunkContext.getStepContext()
				.getStepExecution()
				.getJobExecution()
				.getExecutionContext();
			context.putString("refreshed", String.join("; ", refreshed));
			if (!failed.isEmpty()) {
				throw new RedoubtException(ErrorCode.RESTORE_INCOMPLETE,
						"refresh of " + failed.size() + " environment(s) of " + source
								+ " failed, each left as it was: " + String.join("; ", failed));
			}
			return RepeatStatus.FINISHED;
		}).build();
		return new JobBuilder(REFRESH, jobRepository).start(step).build();
	}

	@Bean
	Job drillJob(JobRepository jobRepository, dev.redoubt.service.drill.DrillLauncher drills) {
		Step step = new StepBuilder("drill", jobRepository).tasklet((contribution, chunkContext) -> {
			String source = source(chunkContext.getStepContext().getStepExecution().getJobParameters());
			dev.redoubt.verify.drill.Drill.Run run = drills.drill(source);
			ExecutionContext context = chunkContext.getStepContext()
				.getStepExecution()
				.getJobExecution()
				.getExecutionContext();
			dev.redoubt.verify.drill.DrillReport report = run.report();
			context.putString("verdict", report.verdict().name());
			context.putString("lostRegion", report.lostRegion());
			context.putString("reasons", String.join("; ", report.reasons()));
			if (report.rto().seconds() != null) {
				context.putDouble("rtoSeconds", report.rto().seconds());
			}
			if (report.rpo().seconds() != null) {
				context.putDouble("rpoSeconds", report.rpo().seconds());
			}
			if (run.recordKey() != null) {
				context.putString("record", run.recordKey());
			}
			return RepeatStatus.FINISHED;
		}).build();
		return new JobBuilder(DRILL, jobRepository).start(step).build();
	}

	@Bean
	Job repoCheckJob(JobRepository jobRepository, Fleet fleet) {
		Step step = new StepBuilder("repo-check", jobRepository).tasklet((contribution, chunkContext) -> {
			String source = source(chunkContext.getStepContext().getStepExecution().getJobParameters());
			try (Repository repository = fleet.openRepository(source)) {
				RepositoryCheckReport report = new RepositoryCheck(repository).run(source, null, false)
					.plus(new RepositoryCheck(repository).run(BaseBackupManifest.area(source), null, false));
				ExecutionContext context = chunkContext.getStepContext()
					.getStepExecution()
					.getJobExecution()
					.getExecutionContext();
				context.putInt("problems", report.problems().size());
			}
			return RepeatStatus.FINISHED;
		}).build();
		return new JobBuilder(REPO_CHECK, jobRepository).start(step).build();
	}

	@Bean
	Job retentionJob(JobRepository jobRepository, Fleet fleet, Clock clock) {
		Step step = new StepBuilder("retention", jobRepository).tasklet((contribution, chunkContext) -> {
			String source = source(chunkContext.getStepContext().getStepExecution().getJobParameters());
			try (Repository repository = fleet.openRepository(source)) {
				RetentionReport report = new Retention(repository, clock, fleet.retentionGrace(source)).run(source,
						fleet.retentionPolicy(source), false);
				ExecutionContext context = chunkContext.getStepContext()
					.getStepExecution()
					.getJobExecution()
					.getExecutionContext();
				context.putInt("kept", report.kept().size());
				context.putString("expired", String.join(",", report.expired()));
				context.putLong("deletedObjects", report.deletedObjects());
				context.putLong("lockedObjects", report.lockedObjects());
			}
			return RepeatStatus.FINISHED;
		}).build();
		return new JobBuilder(RETENTION, jobRepository).start(step).build();
	}

	@Bean
	Job verifyBaseBackupJob(JobRepository jobRepository, Fleet fleet, Clock clock) {
		Step step = new StepBuilder("verify-base", jobRepository).tasklet((contribution, chunkContext) -> {
			JobParameters parameters = chunkContext.getStepContext().getStepExecution().getJobParameters();
			String source = source(parameters);
			String area = BaseBackupManifest.area(source);
			try (Repository repository = fleet.openRepository(source)) {
				BackupId id = repository.resolve(area, parameters.getString("backup", "latest"));
				VerificationReport report = new BaseBackupVerifier(repository, clock, fleet.sandboxKind(source, null),
						fleet.sandboxRoot())
					.verify(source, id, null, fleet.verifySettings(source, null));
				ExecutionContext context = chunkContext.getStepContext()
					.getStepExecution()
					.getJobExecution()
					.getExecutionContext();
				context.putString("backupId", report.backupId());
				context.putString("verified", Boolean.toString(report.verified()));
			}
			return RepeatStatus.FINISHED;
		}).build();
		return new JobBuilder(VERIFY_BASE, jobRepository).start(step).build();
	}

	private static String source(JobParameters parameters) {
		return parameters.getString("source");
	}

}
