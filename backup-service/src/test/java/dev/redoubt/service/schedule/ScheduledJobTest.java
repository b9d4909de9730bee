package dev.redoubt.service.schedule;

import java.time.Instant;
import java.util.Date;

import org.junit.jupiter.api.Test;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.impl.JobExecutionContextImpl;
import org.quartz.impl.triggers.SimpleTriggerImpl;
import org.quartz.spi.TriggerFiredBundle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fire keeps its identity through recoveries, including the recovery of a recovery (the
 * replica that took the fire over dies too): Quartz then names only the first recovery's
 * trigger, not the cron trigger.
 */
class ScheduledJobTest {

	private static final JobDetail JOB = JobBuilder.newJob(ScheduledJob.class)
		.withIdentity("app", "logical-backup")
		.build();

	private static final Instant SCHEDULED = Instant.parse("2026-12-06T02:00:00Z");

	@Test
	void aFireIsTheSameFireAfterOneRecoveryOrTwo() {
		String first = ScheduledJob.fireKey(fire("app", "logical-backup", false, null));
		String recovered = ScheduledJob.fireKey(fire("recover_vm-b_1", Scheduler.DEFAULT_RECOVERY_GROUP, true, "app"));
		String recoveredAgain = ScheduledJob
			.fireKey(fire("recover_vm-c_7", Scheduler.DEFAULT_RECOVERY_GROUP, true, "recover_vm-b_1"));

		assertThat(first).isEqualTo("logical-backup/app@2026-12-06T02:00:00Z");
		assertThat(recovered).isEqualTo(first);
		assertThat(recoveredAgain).isEqualTo(first);
	}

	@Test
	void anotherScheduledTimeIsAnotherFire() {
		JobExecutionContextImpl later = context(
				new SimpleTriggerImpl("app", "logical-backup", Date.from(SCHEDULED.plusSeconds(86400))), false,
				Date.from(SCHEDULED.plusSeconds(86400)));

		assertThat(ScheduledJob.fireKey(later)).isEqualTo("logical-backup/app@2026-12-07T02:00:00Z");
	}

	/**
	 * A fire of trigger {@code name}; a recovering one carries what Quartz records of the
	 * trigger it recovers ({@code recovered}).
	 */
	private static JobExecutionContextImpl fire(String name, String group, boolean recovering, String recovered) {
		SimpleTriggerImpl trigger = new SimpleTriggerImpl(name, group, Date.from(SCHEDULED));
		if (recovering) {
			JobDataMap data = new JobDataMap();
			data.put(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_NAME, recovered);
			data.put(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_GROUP,
					recovered.startsWith("recover_") ? Scheduler.DEFAULT_RECOVERY_GROUP : "logical-backup");
			data.put(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS,
					Long.toString(SCHEDULED.toEpochMilli()));
			trigger.setJobDataMap(data);
		}
		// a recovery fires late: its own scheduled time is not the fire's
		return context(trigger, recovering, recovering ? Date.from(SCHEDULED.plusSeconds(37)) : Date.from(SCHEDULED));
	}

	private static JobExecutionContextImpl context(SimpleTriggerImpl trigger, boolean recovering, Date scheduled) {
		TriggerFiredBundle bundle = new TriggerFiredBundle(JOB, trigger, null, recovering, new Date(), scheduled, null,
				null);
		return new JobExecutionContextImpl(null, bundle, null);
	}

}
