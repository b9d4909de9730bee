package dev.redoubt.service.verify;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.redoubt.verify.VerificationMetrics;
import dev.redoubt.verify.VerificationReport;

/**
 * The {@code verifyBackup} job: one step that verifies the backup named by the job's
 * parameters; the job repository records the backup, the verdict and the failed checks,
 * and the full report is handed back to the launcher in this process.
 */
@Configuration(proxyBeanMethods = false)
public class VerifyJobConfiguration {

	public static final String JOB_NAME = "verifyBackup";

	/**
	 * Reports of runs in this process, by job execution id, until the launcher takes
	 * them.
	 */
	@Bean
	Map<Long, VerificationReport> verificationReports() {
		return new ConcurrentHashMap<>();
	}

	@Bean
	VerificationMetrics verificationMetrics(MeterRegistry registry, Clock clock) {
		return new VerificationMetrics(registry, clock);
	}

	@Bean
	Job verifyBackupJob(JobRepository jobRepository, Step verifyStep) {
		return new JobBuilder(JOB_NAME, jobRepository).start(verifyStep).build();
	}

	@Bean
	Step verifyStep(JobRepository jobRepository, VerificationService service,
			Map<Long, VerificationReport> verificationReports) {
		return new StepBuilder("verify", jobRepository).tasklet((contribution, chunkContext) -> {
			StepExecution step = chunkContext.getStepContext().getStepExecution();
			JobParameters parameters = step.getJobExecution().getJobParameters();
			Long jobs = parameters.getLong(VerifyLauncher.JOBS);
			VerificationReport report = service.verify(parameters.getString(VerifyLauncher.SOURCE),
					parameters.getString(VerifyLauncher.BACKUP), parameters.getString(VerifyLauncher.REGION),
					parameters.getString(VerifyLauncher.SANDBOX), (jobs != null) ? jobs.intValue() : null);
			ExecutionContext context = step.getJobExecution().getExecutionContext();
			context.putString("backupId", report.backupId());
			context.putString("region", report.region());
			context.putString("verified", Boolean.toString(report.verified()));
			context.putString("failedChecks", String.join(",", report.failures().stream().map((c) -> c.id()).toList()));
			verificationReports.put(step.getJobExecution().getId(), report);
			return RepeatStatus.FINISHED;
		}).build();
	}

}
