package dev.redoubt.service.schedule;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Component;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.BaseBackupManifest;
import dev.redoubt.core.repository.BackupId;
import dev.redoubt.core.repository.Repository;
import dev.redoubt.service.backup.BackupResult;
import dev.redoubt.service.catalog.Catalog;
import dev.redoubt.service.config.Fleet;
import dev.redoubt.service.job.BackupJobConfiguration;
import dev.redoubt.service.job.BackupLauncher;
import dev.redoubt.service.verify.VerifyJobConfiguration;
import dev.redoubt.service.verify.VerifyLauncher;
import dev.redoubt.verify.VerificationReport;

/**
 * Runs one fire of a source's scheduled job as Spring Batch jobs: a backup (fenced, then
 * verified), a verification of the newest backup, a repository check or retention; then
 * rescans the source into the catalog and updates the metrics. The job parameters are the
 * source, the fire and the fencing token, never a secret.
 */
@Component
public class JobRunner {

	private static final List<String> BACKUP_JOBS = List.of(BackupJobConfiguration.JOB_NAME,
			BackupJobConfiguration.BASE_JOB_NAME);

	private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

	private final Fleet fleet;

	private final BackupLauncher backups;

	private final VerifyLauncher verifications;

	private final JobRepository jobRepository;

	private final ServiceJobs serviceJobs;

	private final FireFence fence;

	private final Catalog catalog;

	private final FleetMetrics metrics;

	public JobRunner(Fleet fleet, BackupLauncher backups, VerifyLauncher verifications, JobRepository jobRepository,
			ServiceJobs serviceJobs, FireFence fence, Catalog catalog, FleetMetrics metrics) {
		this.fleet = fleet;
		this.backups = backups;
		this.verifications = verifications;
		this.jobRepository = jobRepository;
		this.serviceJobs = serviceJobs;
		this.fence = fence;
		this.catalog = catalog;
		this.metrics = metrics;
	}

	/**
	 * Runs the fire {@code fireKey} of {@code type} for {@code source} on this replica.
	 */
	public void run(JobType type, String source, String fireKey, String owner) {
		log.info("{} of {} starting (fire {})", type.label(), source, fireKey);
		long started = System.nanoTime();
		try {
			if (type != JobType.LOGICAL_BACKUP && type != JobType.BASE_BACKUP) {
				// a backup fire is fenced first: it abandons earlier runs once it holds a
				// newer token
				abandonEarlierRuns(fireKey, allJobs());
			}
			switch (type) {
				case LOGICAL_BACKUP, BASE_BACKUP -> backup(type, source, fireKey, owner);
				case VERIFY -> verify(source, "latest", fireKey);
				case REPO_CHECK -> {
					JobExecution execution = this.serviceJobs.run(ServiceJobConfiguration.REPO_CHECK, source, null,
							fireKey);
					int problems = execution.getExecutionContext().getInt("problems", 0);
					if (problems > 0) {
						throw new RedoubtException(ErrorCode.REPOSITORY_DAMAGED, "repo-check of " + source + " found "
								+ problems + " problem(s); run redoubt repo-check");
					}
				}
				case DRILL -> {
					JobExecution execution = this.serviceJobs.run(ServiceJobConfiguration.DRILL, source, null, fireKey);
					String verdict = execution.getExecutionContext().getString("verdict", "FAIL");
					if (!"PASS".equals(verdict)) {
						throw new RedoubtException(
								"COULD_NOT_RUN".equals(verdict) ? ErrorCode.DRILL_NOT_RUN : ErrorCode.DRILL_FAILED,
								"drill of " + source + ": " + verdict + ": "
										+ execution.getExecutionContext().getString("reasons", ""));
					}
				}
				case RETENTION -> this.serviceJobs.run(ServiceJobConfiguration.RETENTION, source, null, fireKey);
				case REFRESH -> this.serviceJobs.run(ServiceJobConfiguration.REFRESH, source, null, fireKey);
			}
			this.metrics.succeeded(type, source);
			log.info("{} of {} done in {} ms", type.label(), source, (System.nanoTime() - started) / 1_000_000);
		}
		catch (RuntimeException ex) {
			this.metrics.failed(type, source);
			log.error("{} of {} failed: {}", type.label(), source, ex.getMessage());
			throw ex;
		}
		finally {
			refreshCatalog(source);
		}
	}

	private void backup(JobType type, String source, String fireKey, String owner) {
		OptionalLong token = this.fence.acquire(fireKey, type.label(), source, owner);
		if (token.isEmpty()) {
			committedEarlier(type, fireKey, owner);
			return;
		}
		if (token.getAsLong() > 1) {
			abandonEarlierRuns(fireKey, allJobs());
		}
		boolean base = type == JobType.BASE_BACKUP;
		BackupResult result;
		try {
			result = this.backups.backup(source, base, fireKey, token.getAsLong());
		}
		catch (RuntimeException ex) {
			this.fence.failed(fireKey, token.getAsLong());
			throw ex;
		}
		this.fence.finished(fireKey);
		this.metrics.backedUp(type, source, result);
		if (!Boolean.FALSE.equals(this.fleet.properties().service().verifyAfterBackup())) {
			// the API shows the new backup while its verification runs (minutes on a
			// large
			// database); the run's end rescans again for the verdict
			refreshCatalog(source);
			if (base) {
				JobExecution execution = this.serviceJobs.run(ServiceJobConfiguration.VERIFY_BASE, source,
						result.backupId(), fireKey);
				if (!Boolean.parseBoolean(execution.getExecutionContext().getString("verified", "false"))) {
					throw new RedoubtException(ErrorCode.VERIFICATION_FAILED,
							"base backup " + result.backupId() + " of " + source + " failed its verification");
				}
			}
			else {
				verify(source, result.backupId(), fireKey);
			}
		}
	}

	/**
	 * The fire was run before and committed its backup: it is not run again. If the
	 * replica that ran it died after its commit, before its manifest was in every region,
	 * the manifest the fence kept is written where it is missing; a run that replica left
	 * open is recorded as completed, since its backup is.
	 */
	private void committedEarlier(JobType type, String fireKey, String owner) {
		String backupId = this.fence.committedBackup(fireKey).orElse("?");
		Optional<FireFence.PendingCommit> pending = this.fence.pendingCommit(fireKey);
		if (pending.isPresent()) {
			String source = pending.get().source();
			String area = type == JobType.BASE_BACKUP ? BaseBackupManifest.area(source) : source;
			try (Repository repository = this.fleet.openRepository(source)) {
				List<String> written = repository.completeCommit(area, BackupId.parse(backupId),
						pending.get().manifest());
				log.warn("fire {}: its replica died while committing backup {}; manifest written in {}", fireKey,
						backupId, written.isEmpty() ? "no region (every region had it)" : written);
			}
		}
		else {
			log.info("fire {} already committed backup {}; not run again", fireKey, backupId);
		}
		// its verification, if one was cut short, is not: the next verification fire
		// proves the backup
		abandonEarlierRuns(fireKey, List.of(VerifyJobConfiguration.JOB_NAME, ServiceJobConfiguration.VERIFY_BASE));
		endEarlierRuns(fireKey, BACKUP_JOBS, BatchStatus.COMPLETED,
				ExitStatus.COMPLETED.addExitDescription("its replica died after committing backup " + backupId
						+ "; replica " + owner + " found it complete"
						+ (pending.isPresent() ? " once it had written the missing manifests" : "")));
		// last: while the manifest is kept, a replica that dies here leaves the work to
		// the next
		pending.ifPresent((commit) -> this.fence.finished(fireKey));
	}

	private void verify(String source, String backup, String fireKey) {
		VerificationReport report = this.verifications.verify(source, backup, null, null, null, fireKey);
		if (!report.verified()) {
			throw new RedoubtException(ErrorCode.VERIFICATION_FAILED, "backup " + report.backupId() + " of " + source
					+ " failed its verification: " + report.failures().stream().map((check) -> check.id()).toList());
		}
	}

	/**
	 * The batch runs of {@code jobs} a dead (or stopped) replica left {@code STARTED} for
	 * this fire are marked failed, so that the job repository tells what happened and no
	 * run shows as in progress for ever. A fire runs on one replica at a time, so a run
	 * of the fire this replica is starting is never a live one.
	 */
	private void abandonEarlierRuns(String fireKey, List<String> jobs) {
		endEarlierRuns(fireKey, jobs, BatchStatus.FAILED,
				ExitStatus.FAILED.addExitDescription("its replica was presumed dead; the fire was taken over"));
	}

	private List<String> allJobs() {
		return this.jobRepository.getJobNames();
	}

	private void endEarlierRuns(String fireKey, List<String> jobs, BatchStatus status, ExitStatus exitStatus) {
		for (String job : jobs) {
			for (JobExecution execution : this.jobRepository.findRunningJobExecutions(job)) {
				if (fireKey.equals(execution.getJobParameters().getString(BackupLauncher.FIRE))) {
					execution.setStatus(status);
					execution.setExitStatus(exitStatus);
					execution.setEndTime(LocalDateTime.now());
					this.jobRepository.update(execution);
				}
			}
		}
	}

	private void refreshCatalog(String source) {
		try {
			this.metrics.catalogued(this.catalog.refresh(source));
		}
		catch (RuntimeException ex) {
			log.warn("cannot rescan {} into the catalog: {}", source, ex.getMessage());
		}
	}

}
