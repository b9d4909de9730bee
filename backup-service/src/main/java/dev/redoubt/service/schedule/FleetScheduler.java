package dev.redoubt.service.schedule;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import javax.sql.DataSource;

import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.redoubt.core.error.ErrorCode;
import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.service.config.RedoubtProperties;

/**
 * The Quartz scheduler of one replica: JDBC job store in the metadata database,
 * clustered, so each fire runs on exactly one replica and a replica presumed dead has its
 * running jobs recovered (run again, as the same fire) by another. One durable job per
 * source and job type; one cron trigger where the source has a schedule for it.
 *
 * <p>
 * Misfires (the service was down, or every thread busy, when a fire was due) run once, as
 * soon as a replica can, then the schedule goes on: a missed 02:00 backup is taken at
 * start-up, not skipped and not repeated for every missed day.
 */
public final class FleetScheduler implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(FleetScheduler.class);

	private static final String DATA_SOURCE = "redoubt";

	private final Scheduler scheduler;

	private final String instanceId;

	private FleetScheduler(Scheduler scheduler) throws SchedulerException {
		this.scheduler = scheduler;
		this.instanceId = scheduler.getSchedulerInstanceId();
	}

	/**
	 * Creates the scheduler over the metadata database (creating Quartz's tables if
	 * missing); it runs nothing before {@link #start}.
	 */
	public static FleetScheduler create(DataSource dataSource, String url, RedoubtProperties.Service service,
			JobRunner runner) {
		boolean postgres = url.startsWith("jdbc:postgresql:");
		QuartzSchema.createIfMissing(dataSource, postgres);
		DBConnectionManager.getInstance().addConnectionProvider(DATA_SOURCE, new ConnectionProvider() {
			@Override
			public Connection getConnection() throws SQLException {
				return dataSource.getConnection();
			}

			@Override
			public void shutdown() {
			}

			@Override
			public void initialize() {
			}
		});
		Duration checkin = Objects.requireNonNullElse(service.clusterCheckinInterval(), Duration.ofMillis(7500));
		Properties properties = new Properties();
		properties.setProperty("org.quartz.scheduler.instanceName", "redoubt");
		properties.setProperty("org.quartz.scheduler.instanceId", "AUTO");
		properties.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
		properties.setProperty("org.quartz.threadPool.threadCount",
				Integer.toString(Objects.requireNonNullElse(service.threads(), 4)));
		properties.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
		properties.setProperty("org.quartz.jobStore.driverDelegateClass", postgres
				? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate" : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
		properties.setProperty("org.quartz.jobStore.dataSource", DATA_SOURCE);
		properties.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
		properties.setProperty("org.quartz.jobStore.isClustered", "true");
		properties.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(checkin.toMillis()));
		properties.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
		properties.setProperty("org.quartz.jobStore.useProperties", "true");
		properties.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
		try {
			Scheduler scheduler = new StdSchedulerFactory(properties).getScheduler();
			FleetScheduler fleetScheduler = new FleetScheduler(scheduler);
			scheduler.setJobFactory((bundle, ignored) -> new ScheduledJob(runner, fleetScheduler.instanceId));
			return fleetScheduler;
		}
		catch (SchedulerException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot create the scheduler: " + ex.getMessage(), ex);
		}
	}

	/** This replica's name in the cluster (host and start time). */
	public String instanceId() {
		return this.instanceId;
	}

	/**
	 * Makes the stored jobs and triggers match the configuration: a job for every source
	 * and type, a trigger for each schedule (kept as it is if its cron is unchanged, so
	 * its misfire state survives a restart), none for a schedule removed, no job for a
	 * source removed.
	 */
	public void synchronize(Map<String, RedoubtProperties.Source> sources) {
		try {
			for (JobKey key : this.scheduler.getJobKeys(GroupMatcher.anyJobGroup())) {
				if (!sources.containsKey(key.getName())) {
					log.info("source {} is no longer configured: removing its {} job", key.getName(), key.getGroup());
					this.scheduler.deleteJob(key);
				}
			}
			for (Map.Entry<String, RedoubtProperties.Source> entry : sources.entrySet()) {
				for (JobType type : JobType.values()) {
					synchronize(entry.getKey(), type, type.cron(entry.getValue()));
				}
			}
		}
		catch (SchedulerException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot store the schedules: " + ex.getMessage(), ex);
		}
	}

	private void synchronize(String source, JobType type, String cron) throws SchedulerException {
		JobKey jobKey = JobKey.jobKey(source, type.label());
		JobDetail job = JobBuilder.newJob(ScheduledJob.class)
			.withIdentity(jobKey)
			.withDescription(type.label() + " of " + source)
			.storeDurably()
			.requestRecovery()
			.build();
		this.scheduler.addJob(job, true, true);
		TriggerKey triggerKey = TriggerKey.triggerKey(source, type.label());
		Trigger existing = this.scheduler.getTrigger(triggerKey);
		if (cron == null) {
			if (existing != null) {
				this.scheduler.unscheduleJob(triggerKey);
			}
			return;
		}
		if (existing instanceof CronTrigger current && current.getCronExpression().equals(cron)) {
			return;
		}
		Trigger trigger = cronTrigger(source, type, cron, new java.util.Date());
		if (existing == null) {
			this.scheduler.scheduleJob(trigger);
		}
		else {
			this.scheduler.rescheduleJob(triggerKey, trigger);
		}
	}

	/**
	 * The trigger of a source's job: a misfire (the fire was due more than the misfire
	 * threshold ago) fires once, now, then the schedule goes on.
	 */
	static Trigger cronTrigger(String source, JobType type, String cron, java.util.Date startAt) {
		return TriggerBuilder.newTrigger()
			.withIdentity(TriggerKey.triggerKey(source, type.label()))
			.forJob(JobKey.jobKey(source, type.label()))
			.startAt(startAt)
			.withSchedule(CronScheduleBuilder.cronSchedule(cron).withMisfireHandlingInstructionFireAndProceed())
			.build();
	}

	/** Stores a trigger as {@link #synchronize} would (tests: one due long ago). */
	void schedule(Trigger trigger) throws SchedulerException {
		this.scheduler.scheduleJob(trigger);
	}

	public void start() {
		try {
			this.scheduler.start();
		}
		catch (SchedulerException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL, "cannot start the scheduler: " + ex.getMessage(), ex);
		}
	}

	/** Fires a source's job now, on whichever replica takes it. */
	public void triggerNow(JobType type, String source) {
		try {
			this.scheduler.triggerJob(JobKey.jobKey(source, type.label()));
		}
		catch (SchedulerException ex) {
			throw new RedoubtException(ErrorCode.INTERNAL,
					"cannot trigger " + type.label() + " of " + source + ": " + ex.getMessage(), ex);
		}
	}

	/** The next fire time of each scheduled job of a source, by job type. */
	public Map<String, String> nextFires(String source) {
		Map<String, String> next = new java.util.TreeMap<>();
		for (JobType type : JobType.values()) {
			try {
				Trigger trigger = this.scheduler.getTrigger(TriggerKey.triggerKey(source, type.label()));
				if (trigger != null && trigger.getNextFireTime() != null) {
					next.put(type.label(), trigger.getNextFireTime().toInstant().toString());
				}
			}
			catch (SchedulerException ex) {
				log.warn("cannot read the trigger of {} of {}: {}", type.label(), source, ex.getMessage());
			}
		}
		return next;
	}

	@Override
	public void close() {
		try {
			// running jobs are not waited for: a replica that stops mid-backup has the
			// fire recovered by another, as if it had died
			this.scheduler.shutdown(false);
		}
		catch (SchedulerException ex) {
			log.warn("scheduler did not shut down cleanly: {}", ex.getMessage());
		}
	}

}
