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
 * identified by its trigger and scheduled time, which a recovery on another replica
 * keeps, so a fire taken over is fenced as the same fire. One job per source and type
 * runs at a time across the cluster.
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

	static String fireKey(JobExecutionContext context) {
		JobKey key = context.getJobDetail().getKey();
		String trigger;
		long scheduled;
		if (context.isRecovering()) {
			var data = context.getMergedJobDataMap();
			trigger = data.getString(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_NAME);
			scheduled = Long
				.parseLong(data.getString(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS));
		}
		else {
			trigger = context.getTrigger().getKey().getName();
			scheduled = context.getScheduledFireTime().getTime();
		}
		return key.getGroup() + "/" + key.getName() + "/" + trigger + "@" + Instant.ofEpochMilli(scheduled);
	}

}
