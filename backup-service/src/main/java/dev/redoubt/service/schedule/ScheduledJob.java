package dev.redoubt.service.schedule;

import java.time.Instant;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobKey;
import org.quartz.Scheduler;

/**
 * What Quartz runs at each fire: the job key names the source and the job type. A fire is
 * identified by its job and scheduled time, which a recovery on another replica keeps
 * (however many replicas die in turn), so a fire taken over is fenced as the same fire.
 * One job per source and type runs at a time across the cluster.
 */
@DisallowConcurrentExecution
final class ScheduledJob implements Job {

	private final JobRunner runner;

	private final String owner;

	ScheduledJob(JobRunner runner, String owner) {
		this.runner = runner;
		this.owner = owner;
	}

	@Override
	public void execute(JobExecutionContext context) throws JobExecutionException {
		JobKey key = context.getJobDetail().getKey();
		try {
			this.runner.run(JobType.fromLabel(key.getGroup()), key.getName(), fireKey(context), this.owner);
		}
		catch (RuntimeException ex) {
			// logged and counted by the runner; Quartz must not run it again at once
			throw new JobExecutionException(ex.getMessage(), false);
		}
	}

	/**
	 * The fire's identity: its job and its scheduled time. A recovery runs under a
	 * trigger of Quartz's own ({@code recover_<instance>_<n>}) whose data keep the
	 * scheduled time but name only the trigger recovered, which is itself a recovery
	 * trigger when the replica that had taken the fire over dies too; so the trigger's
	 * name is no part of the identity. (A job has one cron trigger; a fire triggered by
	 * hand at the very millisecond of a scheduled one is the same fire.)
	 */
	static String fireKey(JobExecutionContext context) {
		JobKey key = context.getJobDetail().getKey();
		long scheduled = context.isRecovering()
				? Long.parseLong(context.getMergedJobDataMap()
					.getString(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS))
				: context.getScheduledFireTime().getTime();
		return key.getGroup() + "/" + key.getName() + "@" + Instant.ofEpochMilli(scheduled);
	}

}
